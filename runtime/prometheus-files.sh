# External Prometheus: writes prometheus.yml and the rule file (SY_PROM_B64, SY_RULES_B64) to SY_DIR
# by atomic rename, after promtool checks them where promtool is installed; `delete` removes them.
set -eu
if [ "${1:-}" = delete ]; then
    rm -f "$SY_DIR/prometheus.yml" "$SY_DIR/switchyard-rules.yml"
    exit 0
fi
mkdir -p "$SY_DIR"
printf '%s' "$SY_RULES_B64" | base64 -d >"$SY_DIR/.switchyard-rules.yml.new"
printf '%s' "$SY_PROM_B64" | base64 -d >"$SY_DIR/.prometheus.yml.new"
if command -v promtool >/dev/null 2>&1; then promtool check rules "$SY_DIR/.switchyard-rules.yml.new" >/dev/null; fi
mv -f "$SY_DIR/.switchyard-rules.yml.new" "$SY_DIR/switchyard-rules.yml"
mv -f "$SY_DIR/.prometheus.yml.new" "$SY_DIR/prometheus.yml"
