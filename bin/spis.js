#!/usr/bin/env node
// The installed entry point runs the compiled CLI (built by `npm ci` through `prepare`).
import '../dist/server/cli/main.js';
