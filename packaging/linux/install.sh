#!/bin/sh
# Adds NN Studio to this user's application menu and makes .nnstudio files open with it.
# Run it from the unpacked folder: ./install.sh   (./install.sh --uninstall takes it out again)
# Nothing outside ~/.local is touched; the app itself stays in this folder.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps=$data/applications
mime=$data/mime/packages
bin=$HOME/.local/bin

refresh() {
    command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
    command -v update-desktop-database >/dev/null && update-desktop-database "$apps" || true
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$apps/nnstudio.desktop" "$mime/nnstudio-mime.xml" "$bin/nnstudio"
    for size in 16 24 32 48 64 128 256 512; do
        rm -f "$data/icons/hicolor/${size}x${size}/apps/nnstudio.png"
    done
    refresh
    echo "NN Studio was removed from the menu. Delete $here to remove the app itself."
    exit 0
fi

mkdir -p "$apps" "$mime" "$bin"
icons=$here/_internal/resources/icons
for size in 16 24 32 48 64 128 256 512; do
    mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
    cp "$icons/nnstudio-$size.png" "$data/icons/hicolor/${size}x${size}/apps/nnstudio.png"
done
sed "s|^Exec=.*|Exec=\"$here/nnstudio\" %f|" "$here/share/nnstudio.desktop" > "$apps/nnstudio.desktop"
cp "$here/share/nnstudio-mime.xml" "$mime/nnstudio-mime.xml"
ln -sf "$here/nnstudio" "$bin/nnstudio"
refresh
command -v xdg-mime >/dev/null && xdg-mime default nnstudio.desktop application/x-nnstudio-project || true
echo "NN Studio is in your application menu, and 'nnstudio' is linked in $bin."
