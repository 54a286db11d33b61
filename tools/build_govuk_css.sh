#!/usr/bin/env bash
# Rebuild contractgen/site/static/govuk-frontend.min.css from GOV.UK Frontend's Sass
# (docs/dev/site-css.md). Needs Node.js and the npm registry; run from the project folder.
set -euo pipefail
GOVUK_FRONTEND=5.14.0
SASS=1.93.2
here="$(pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --silent "govuk-frontend@$GOVUK_FRONTEND" "sass@$SASS")
"$work/node_modules/.bin/sass" --no-source-map --style=compressed --quiet-deps --silence-deprecation=import \
  --load-path="$work/node_modules" tools/govuk-site.scss "$here/contractgen/site/static/govuk-frontend.min.css"
# the npm package ships no licence file; its package.json says MIT, and its README:
{ echo "GOV.UK Frontend $GOVUK_FRONTEND (npm: govuk-frontend, licence: $(node -p "require('$work/node_modules/govuk-frontend/package.json').license")),"
  echo "compiled by tools/build_govuk_css.sh into govuk-frontend.min.css. Its README says:"; echo
  awk '/^## /{on=($0=="## Licence")} on' "$work/node_modules/govuk-frontend/README.md"
  cat tools/MIT-GOVUK-FRONTEND.txt; } > "$here/contractgen/site/static/GOVUK-FRONTEND-LICENCE.txt"
if grep -o 'url([^)]*)' contractgen/site/static/govuk-frontend.min.css; then
  echo "the compiled CSS refers to files the site does not ship" >&2; exit 1
fi
wc -c contractgen/site/static/govuk-frontend.min.css
