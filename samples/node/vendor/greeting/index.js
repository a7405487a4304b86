"use strict";
// A local dependency (vendored: builds are offline).
exports.greet = (name) => `hello from ${name}`;
