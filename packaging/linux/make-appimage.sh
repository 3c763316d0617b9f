#!/bin/sh
# Wraps the PyInstaller folder in an AppDir and, when appimagetool is installed, an AppImage.
# Usage: sh packaging/linux/make-appimage.sh BUNDLE_DIR VERSION OUT_DIR
#   e.g. sh packaging/linux/make-appimage.sh dist/nnstudio 0.1.0 dist
# appimagetool is in neither Debian nor PyPI; put it on PATH yourself to get the .AppImage.
# Without it the AppDir is still built (and runnable: BUILD/AppDir/AppRun) and exit code is 3.
set -eu
bundle=$(cd "${1:?usage: make-appimage.sh BUNDLE_DIR VERSION OUT_DIR}" && pwd)
version=${2:?version}
out=${3:?out dir}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
appdir="$root/build/AppDir"
icons="$root/resources/icons"

rm -rf "$appdir"
mkdir -p "$appdir/usr/lib" "$appdir/usr/share/applications" "$appdir/usr/share/mime/packages"
cp -a "$bundle" "$appdir/usr/lib/nnstudio"
cp "$here/nnstudio.desktop" "$appdir/nnstudio.desktop"
cp "$here/nnstudio.desktop" "$appdir/usr/share/applications/nnstudio.desktop"
cp "$here/nnstudio-mime.xml" "$appdir/usr/share/mime/packages/nnstudio-mime.xml"
cp "$icons/nnstudio-256.png" "$appdir/nnstudio.png"
ln -s nnstudio.png "$appdir/.DirIcon"
for size in 16 24 32 48 64 128 256 512; do
    mkdir -p "$appdir/usr/share/icons/hicolor/${size}x${size}/apps"
    cp "$icons/nnstudio-$size.png" "$appdir/usr/share/icons/hicolor/${size}x${size}/apps/nnstudio.png"
done
cat > "$appdir/AppRun" <<'RUN'
#!/bin/sh
here=$(dirname "$(readlink -f "$0")")
exec "$here/usr/lib/nnstudio/nnstudio" "$@"
RUN
chmod +x "$appdir/AppRun"

if ! command -v appimagetool >/dev/null; then
    echo "appimagetool is not on PATH: built $appdir only (run it with $appdir/AppRun)."
    exit 3
fi
mkdir -p "$out"
target="$out/NN_Studio-$version-$(uname -m).AppImage"
ARCH=$(uname -m) appimagetool --no-appstream "$appdir" "$target"
echo "$target"
