package dev.agentbus.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
  @Test
  @DisplayName("a sealed value opens with the same key and context, and with no other")
  void sealsAndOpens() {
    SecretBox box = SecretBox.of("one key");
    String sealed = box.seal("Bearer token", "mcp_1/Authorization");
    assertThat(sealed).startsWith("v1:").doesNotContain("token");
    assertThat(box.seal("Bearer token", "mcp_1/Authorization")).as("a fresh nonce each time").isNotEqualTo(sealed);
    assertThat(box.open(sealed, "mcp_1/Authorization")).isEqualTo("Bearer token");
    assertThatThrownBy(() -> box.open(sealed, "mcp_2/Authorization")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SecretBox.of("another key").open(sealed, "mcp_1/Authorization")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("without a configured key the box is unavailable and refuses to seal")
  void noKeyNoBox() {
    assertThat(SecretBox.of(null).available()).isFalse();
    assertThat(SecretBox.of(" ").available()).isFalse();
    assertThatThrownBy(() -> SecretBox.of(null).seal("x", "c")).isInstanceOf(IllegalStateException.class);
  }
}
