# agentbus node image. Build the jar first:  ./mvnw -B package -DskipTests
# then:  docker build -t agentbus .   (docker-compose.yml does this for you)
FROM eclipse-temurin:17-jre

WORKDIR /app

# Flags Hazelcast asks for on Java 17. Extra JVM options: set JDK_JAVA_OPTIONS (read by `java`).
# A node listens on loopback only by default; in a container it must listen on every interface to
# be reachable through a published port (there is no authentication yet: publish with care).
ENV HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    DATA_DIR=/app/data \
    CLUSTER_CONFIG=/app/cluster.xml

COPY cluster.xml /app/cluster.xml
COPY target/agentbus.jar /app/agentbus.jar

RUN mkdir -p /app/data /app/conf

# 8080 HTTP API; 5701 Hazelcast member port (only needed inside the compose network).
EXPOSE 8080 5701

# Ready check without curl (bash is in the Ubuntu-based image): first line must be "... 200 ...".
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=5 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HTTP_PORT:-8080} && printf 'GET /api/v1/health/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r -t 5 line <&3 && [[ $line == *' 200 '* ]]"]

# Exec form: java is PID 1 and receives SIGTERM from `docker stop` directly.
ENTRYPOINT ["java", \
  "-XX:MaxRAMPercentage=75", \
  "--add-modules", "java.se", \
  "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", \
  "--add-opens", "java.base/java.lang=ALL-UNNAMED", \
  "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", \
  "--add-opens", "java.management/sun.management=ALL-UNNAMED", \
  "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED", \
  "-jar", "/app/agentbus.jar"]
