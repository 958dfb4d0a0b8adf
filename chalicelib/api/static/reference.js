// Renders the OpenAPI document next to this page (GET /openapi.json) with Swagger UI. A file of
// its own rather than an inline script, so the page's Content-Security-Policy needs no
// 'unsafe-inline'.
(function () {
  "use strict";
  var root = document.getElementById("reference");
  window.ui = SwaggerUIBundle({
    url: new URL(root.dataset.spec, document.baseURI).href,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    displayOperationId: true,
  });
})();
