// agentbus's own initializer (the webjar's points at a demo API): our document, on this origin.
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    // the operations stay folded: 90 of them open at once would be a wall of text
    docExpansion: "list",
    persistAuthorization: false,
    tryItOutEnabled: false
  });
};
