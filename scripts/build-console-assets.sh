#!/bin/sh
# Builds the console's assets from node_modules (installed by `npm ci`) into the app's static
# files: the NHS.UK frontend's stylesheet without its CDN fonts, its script and images, and htmx.
set -eu
out=api/console/static/build
mkdir -p "$out"
node_modules/.bin/sass --no-source-map --load-path=node_modules --style=compressed --quiet-deps \
    api/console/styles/console.scss "$out/console.css"
cp node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js node_modules/htmx.org/dist/htmx.min.js "$out/"
rm -rf "$out/images"
cp -r node_modules/nhsuk-frontend/dist/nhsuk/assets/images "$out/images"
