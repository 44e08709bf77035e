# Sourced by the load scripts: lift the per-principal submission limits in a config directory, since
# the load comes from one demo agent far faster than the defaults allow one principal.
unlimited_config() { # config-dir
  sed -i '/^limits:/,/^  burst:/c\limits: {max_pending: 1000000, per_second: 1000000, burst: 1000000}' "$1/countersign.yaml"
}
