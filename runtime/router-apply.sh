# Applies a routing config to the running router: the router image's apply command (SY_APPLY_BIN)
# validates it (nginx -t), installs it atomically, reloads gracefully and waits until the new sha
# is served; on failure the old config stays and nginx's message is printed.
set -eu
printf '%s' "$SY_CONFIG_B64" | base64 -d | docker exec -i "$SY_CONTAINER" "$SY_APPLY_BIN" - "$SY_CONFIG_SHA256"
