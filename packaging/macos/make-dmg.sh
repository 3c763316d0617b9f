#!/bin/sh
# Packs "dist/NN Studio.app" into a drag-to-install disk image, dist/nnstudio-VERSION-macos.dmg.
# Usage (on macOS, after packaging/build.py): sh packaging/macos/make-dmg.sh VERSION
# Uses create-dmg when it is installed (nicer window), plain hdiutil otherwise.
# The app is not signed or notarized: first launch needs right-click > Open (see docs/installing.md).
set -eu
version=${1:?usage: make-dmg.sh VERSION}
root=$(cd "$(dirname "$0")/../.." && pwd)
app="$root/dist/NN Studio.app"
out="$root/dist/nnstudio-$version-macos-$(uname -m).dmg"
[ -d "$app" ] || { echo "No $app: run python packaging/build.py first." >&2; exit 1; }
rm -f "$out"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
ditto "$app" "$staging/NN Studio.app"  # keeps the bundle's symlinks and attributes
if command -v create-dmg >/dev/null; then
    create-dmg --volname "NN Studio $version" \
        --volicon "$root/resources/icons/nnstudio.icns" \
        --window-size 540 360 --icon-size 96 \
        --icon "NN Studio.app" 140 170 --app-drop-link 400 170 \
        --no-internet-enable "$out" "$staging"
else
    ln -s /Applications "$staging/Applications"
    hdiutil create -volname "NN Studio $version" -srcfolder "$staging" -fs HFS+ \
        -format UDZO -ov "$out"
fi
echo "$out"
