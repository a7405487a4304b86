"use strict";
// A second local dependency: the integration test adds it to package.json to see a rebuild install it.
exports.shout = (text) => text.toUpperCase();
