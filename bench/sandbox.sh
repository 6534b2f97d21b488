#!/usr/bin/env bash
# Benchmark: `apiwatch sandbox` against Stoplight Prism (`prism mock`) on the same
# mid-size real spec, the same requests, the same load generator and concurrency.
#
#   bash bench/sandbox.sh
#
# What it does, in order:
#   1. builds apiwatch (`cargo build --release`, honouring CARGO_TARGET_DIR) and finds
#      the binary;
#   2. makes sure `wrk` is installed (Debian package `wrk`; installed with apt-get when
#      missing and we are root, else it stops and says how to get it);
#   3. installs @stoplight/prism-cli 5.14.2 from npm into a scratch directory; when
#      that fails it says so and benchmarks apiwatch alone;
#   4. serves the Klaviyo 2024-07-15 spec (1.4 MB of JSON, 231 operations) from
#      ../shared/corpus (or $APIWATCH_CORPUS); without the corpus it says so and exits 0;
#   5. for each server and mode in turn (only one runs at a time): starts it on
#      127.0.0.1, waits until it answers, checks with curl that both requests below
#      get a 2xx (and that a broken body gets a 4xx, so validation is really on),
#      warms up for 3 s, then runs `wrk -t2 -c32 -d15s --latency` for each request, reads the server's peak
#      RSS (VmHWM) and CPU time from /proc, and stops it;
#   6. prints a Markdown table and the apiwatch/Prism ratios per request.
#
# The two requests (both send `revision: 2024-07-15`, a required header in this spec,
# and an `Authorization: Klaviyo-API-Key …` header, which the spec's security scheme
# asks for; apiwatch's sandbox run with --spec checks no credentials by default):
#   GET  /api/metrics/{id}/   (get_metric) — the 200 response is a $ref'd JSON:API
#        document with no example anywhere in it, so the body is generated from the
#        schema.
#   POST /api/catalog-items/  (create_catalog_item) — a JSON:API body with a required
#        enum `type`, 4 required attributes, nullable numbers/booleans/arrays and a
#        relationships object, validated against its schema before the documented 201
#        is generated. (Prism skips body validation on some Klaviyo operations, e.g.
#        POST /api/profiles/ accepts `{}`; this one it validates, which the check below
#        proves by sending a body whose `price` is a string.) The 201 body is built
#        from the response schema and the examples of its properties.
# Each side runs in two modes: apiwatch `--seed 1` (a body it generates is made once
# and served again) and the same with `Prefer: dynamic=true` on every request (a new
# body each time); Prism in its default static mode and with `--dynamic --seed 1`
# (json-schema-faker on every request).
#
# Knobs (environment): APIWATCH_CORPUS, CARGO_TARGET_DIR, BENCH_SCRATCH (reuse a
# directory for the npm install instead of a fresh temporary one), BENCH_PORT (apiwatch's
# port; Prism's are the next two; default 4610), BENCH_DURATION (15s), BENCH_WARMUP (3s),
# BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_SKIP_PRISM=1.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=${APIWATCH_CORPUS:-$REPO/../shared/corpus}
SPEC_REL=klaviyo/stable/2024-07-15.json
SPEC=$CORPUS/$SPEC_REL
PRISM_VERSION=5.14.2
PORT=${BENCH_PORT:-4610}
DURATION=${BENCH_DURATION:-15s}
WARMUP=${BENCH_WARMUP:-3s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}

GET_PATH=/api/metrics/Y6nRLr/
POST_PATH=/api/catalog-items/
HEADERS=(-H 'revision: 2024-07-15' -H 'Authorization: Klaviyo-API-Key pk_benchmark' -H 'Accept: application/json')
BASE_HEADERS=("${HEADERS[@]}")

say() { printf '%s\n' "$*" >&2; }

# --- 4 (first, since without it nothing else matters): the spec -------------------
if [[ ! -f $SPEC ]]; then
    say "skipping: this benchmark needs the spec corpus ($SPEC not found)."
    say "Put shared/corpus beside the checkout, or point APIWATCH_CORPUS at it."
    exit 0
fi

# --- 1. build apiwatch ---------------------------------------------------------------
# nice: the build should not starve other work on a shared machine; it does not
# affect the measurements, which come later.
say "== building apiwatch (cargo build --release)"
(cd "$REPO" && nice -n 19 cargo build --release --quiet)
TARGET_DIR=$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
BIN=$TARGET_DIR/release/apiwatch
[[ -x $BIN ]] || { say "error: built, but no binary at $BIN"; exit 1; }
say "   binary: $BIN"

# --- 2. wrk --------------------------------------------------------------------------
if ! command -v wrk > /dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get > /dev/null; then
        say "== installing wrk (apt-get install -y wrk)"
        apt-get install -y wrk > /dev/null 2>&1 ||
            { apt-get update > /dev/null 2>&1 && apt-get install -y wrk > /dev/null 2>&1; } ||
            { say "error: could not install wrk with apt-get; install it (Debian/Ubuntu package 'wrk') and run again."; exit 1; }
    else
        say "error: this benchmark needs wrk (Debian/Ubuntu: 'sudo apt-get install wrk'; macOS: 'brew install wrk')."
        exit 1
    fi
fi
command -v curl > /dev/null || { say "error: this benchmark needs curl."; exit 1; }

# --- scratch directory, and stopping everything we start on any exit ------------------
if [[ -n ${BENCH_SCRATCH:-} ]]; then
    SCRATCH=$BENCH_SCRATCH; mkdir -p "$SCRATCH"; OWN_SCRATCH=0
else
    SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/apiwatch-sandbox-bench.XXXXXX"); OWN_SCRATCH=1
fi
SERVER_PID=
stop_server() {
    # SIGINT first (apiwatch stops on Ctrl-C, Prism too), then TERM, then KILL.
    local pid=$SERVER_PID sig
    [[ -n $pid ]] || return 0
    for sig in INT TERM KILL; do
        kill -0 "$pid" 2> /dev/null || break
        kill -s "$sig" "$pid" 2> /dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    done
    wait "$pid" 2> /dev/null || true
    SERVER_PID=
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    stop_server
    if [[ $OWN_SCRATCH -eq 1 ]]; then rm -rf "$SCRATCH"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 3. Prism ---------------------------------------------------------------------------
PRISM=
if [[ ${BENCH_SKIP_PRISM:-0} == 1 ]]; then
    say "== Prism skipped (BENCH_SKIP_PRISM=1): benchmarking apiwatch only"
elif ! command -v npm > /dev/null || ! command -v node > /dev/null; then
    say "== Prism skipped: node/npm not found, so @stoplight/prism-cli@$PRISM_VERSION cannot be installed; benchmarking apiwatch only"
else
    say "== installing @stoplight/prism-cli@$PRISM_VERSION into $SCRATCH (npm)"
    if npm install --prefix "$SCRATCH" --no-audit --no-fund --loglevel=error \
        "@stoplight/prism-cli@$PRISM_VERSION" > "$SCRATCH/npm.log" 2>&1 &&
        [[ -f $SCRATCH/node_modules/@stoplight/prism-cli/dist/index.js ]]; then
        PRISM=$SCRATCH/node_modules/@stoplight/prism-cli/dist/index.js
        say "   prism $(node "$PRISM" --version 2> /dev/null || echo '?'), node $(node --version)"
    else
        say "== Prism skipped: npm could not install @stoplight/prism-cli@$PRISM_VERSION (see below); benchmarking apiwatch only"
        tail -n 5 "$SCRATCH/npm.log" >&2 || true
    fi
fi

# --- request bodies -----------------------------------------------------------------------
# A catalog item as Klaviyo documents it; every field valid for the schema.
cat > "$SCRATCH/item.json" << 'EOF'
{"data":{"type":"catalog-item","attributes":{"external_id":"SAMPLE-DATA-ITEM-1","integration_type":"$custom","title":"Ocean Blue Shirt","description":"Ocean blue cotton shirt with a narrow collar and buttons down the front and long sleeves.","price":42.0,"catalog_type":"$default","url":"https://via.placeholder.com/150","image_full_url":"https://via.placeholder.com/300","image_thumbnail_url":"https://via.placeholder.com/150","images":["https://via.placeholder.com/150"],"custom_metadata":{"size":"M","color":"blue"},"published":true},"relationships":{"categories":{"data":[{"type":"catalog-category","id":"$custom:::$default:::SAMPLE-DATA-CATEGORY-APPAREL"}]}}}}
EOF
# The same item with the price as a string: both servers must refuse it.
sed 's/"price":42.0/"price":"42"/' "$SCRATCH/item.json" > "$SCRATCH/bad-item.json"
# wrk's script for the POST: method, body and content type (the other headers come
# from -H, as for the GET).
{
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    printf 'wrk.body = [[%s]]\n' "$(cat "$SCRATCH/item.json")"
} > "$SCRATCH/post.lua"

# --- helpers ---------------------------------------------------------------------------------
# wrk prints latencies as 812.00us, 1.23ms or 1.02s; the table wants milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf (n < 10 ? "%.2f" : (n < 100 ? "%.1f" : "%.0f")), n
    }'
}
# Clock ticks of user + system CPU the process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

# One curl request: prints "STATUS BODY…" (body cut to 300 bytes) for the check.
probe() {
    local method=$1 url=$2 body=${3:-}
    local out=$SCRATCH/probe.out code
    if [[ $method == POST ]]; then
        code=$(curl -s -o "$out" -w '%{http_code}' -X POST "${HEADERS[@]}" \
            -H 'Content-Type: application/json' --data-binary "@$body" "$url") || code=000
    else
        code=$(curl -s -o "$out" -w '%{http_code}' "${HEADERS[@]}" "$url") || code=000
    fi
    printf '%s %s\n' "$code" "$(head -c 300 "$out" | tr '\n' ' ')"
}

ROWS=()        # Markdown table rows
declare -A RPS # "server|request" -> requests per second
declare -A P99
NOTES=()       # one line per server: RSS at start, peak RSS, CPU time
FAILED=0

# bench NAME PORT [HEADER] -- COMMAND…: start one server, check it, load it (every
# request also carrying HEADER, if given), record, stop it.
bench() {
    local name=$1 port=$2; shift 2
    HEADERS=("${BASE_HEADERS[@]}")
    if [[ $1 != -- ]]; then HEADERS+=(-H "$1"); shift; fi
    shift
    local base=http://127.0.0.1:$port log=$SCRATCH/$port.log
    say ""
    say "== $name on $base"
    if curl -s -o /dev/null --max-time 1 "$base/"; then
        say "error: something already listens on port $port (set BENCH_PORT)"; exit 1
    fi
    "$@" > "$log" 2>&1 &
    SERVER_PID=$!
    local t0=$SECONDS
    until curl -s -o /dev/null --max-time 1 "$base/"; do
        if ! kill -0 "$SERVER_PID" 2> /dev/null; then
            say "error: $name exited before answering:"; tail -n 20 "$log" >&2; SERVER_PID=; exit 1
        fi
        if ((SECONDS - t0 > 120)); then say "error: $name did not answer within 120 s"; exit 1; fi
        sleep 0.2
    done
    local rss0=$(($(rss_kib "$SERVER_PID" VmRSS) / 1024))
    say "   answering after ~$((SECONDS - t0)) s; RSS at start $rss0 MiB"

    # The check: both requests must get a 2xx, the broken body a 4xx.
    local get post bad ok_get=1 ok_post=1
    get=$(probe GET "$base$GET_PATH")
    post=$(probe POST "$base$POST_PATH" "$SCRATCH/item.json")
    bad=$(probe POST "$base$POST_PATH" "$SCRATCH/bad-item.json")
    say "   check GET  $GET_PATH -> ${get:0:160}"
    say "   check POST $POST_PATH -> ${post:0:160}"
    say "   check POST $POST_PATH with \"price\":\"42\" (must be refused) -> ${bad:0:200}"
    [[ ${get:0:1} == 2 ]] || { ok_get=0; FAILED=1; say "   !! GET did not get a 2xx: not benchmarked for $name. Full answer: $get"; }
    [[ ${post:0:1} == 2 ]] || { ok_post=0; FAILED=1; say "   !! POST did not get a 2xx: not benchmarked for $name. Full answer: $post"; }
    [[ ${bad:0:1} == 4 ]] || { FAILED=1; say "   !! the broken POST body was not refused with a 4xx: $name does not validate it"; }

    local cpu0 args kind label out rps p50 p99 non2xx total errs
    cpu0=$(cpu_ticks "$SERVER_PID")
    for kind in GET POST; do
        if [[ $kind == GET ]]; then
            label="GET $GET_PATH"
            ((ok_get)) || { ROWS+=("| $name | $label | – | – | – | – | not run: the check got ${get%% *} |"); continue; }
            args=("${HEADERS[@]}" "$base$GET_PATH")
        else
            label="POST $POST_PATH"
            ((ok_post)) || { ROWS+=("| $name | $label | – | – | – | – | not run: the check got ${post%% *} |"); continue; }
            args=("${HEADERS[@]}" -s "$SCRATCH/post.lua" "$base$POST_PATH")
        fi
        say "   $label: warm-up $WARMUP, then wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${args[@]}" > /dev/null
        out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${args[@]}")
        printf '%s\n' "$out" | sed 's/^/      /' >&2
        rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<< "$out")
        p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<< "$out")")
        p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<< "$out")")
        total=$(awk '/requests in/ {print $1}' <<< "$out")
        non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<< "$out")
        errs=$(awk '/Socket errors:/ {sub(/.*Socket errors: /, ""); print}' <<< "$out")
        local note="${non2xx:-0} of $total non-2xx"
        [[ -z $errs ]] || note="$note; socket errors: $errs"
        RPS["$name|$kind"]=$rps
        P99["$name|$kind"]=$p99
        ROWS+=("| $name | $label | $rps | $p50 ms | $p99 ms | @RSS@ | $note |")
    done
    local cpu=$(($(cpu_ticks "$SERVER_PID") - cpu0)) hwm
    hwm=$(($(rss_kib "$SERVER_PID" VmHWM) / 1024))
    # Fill in the peak RSS of this server (read once, after both runs).
    local i
    for i in "${!ROWS[@]}"; do ROWS[i]=${ROWS[i]//@RSS@/$hwm MiB}; done
    cpu=$(awk -v t="$cpu" -v h="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / h}')
    say "   peak RSS (VmHWM) $hwm MiB; server CPU over warm-ups and runs $cpu s"
    NOTES+=("- $name: RSS $rss0 MiB once serving, peak (VmHWM, after both runs) $hwm MiB; CPU time (user + system) over both warm-ups and runs: $cpu s")
    stop_server
}

# --- 5. the runs ----------------------------------------------------------------------------
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
bench apiwatch "$PORT" -- "$BIN" sandbox --spec "$SPEC" --port "$PORT" --seed 1
# The same, asking for a freshly generated body on every request (by default apiwatch
# generates a response without an example once and serves it again): the
# counterpart of `prism mock --dynamic`.
bench "apiwatch, Prefer: dynamic=true" "$PORT" "Prefer: dynamic=true" -- \
    "$BIN" sandbox --spec "$SPEC" --port "$PORT" --seed 1
if [[ -n $PRISM ]]; then
    # Prism's quietest useful logging: at its default (info) it writes ~6 lines per
    # request, which would cost it throughput for nothing measured here.
    bench "prism" "$((PORT + 1))" -- node "$PRISM" mock -h 127.0.0.1 -p "$((PORT + 1))" -v error "$SPEC"
    bench "prism --dynamic" "$((PORT + 2))" -- node "$PRISM" mock -h 127.0.0.1 -p "$((PORT + 2))" -v error --dynamic --seed 1 "$SPEC"
fi

# --- 6. the table --------------------------------------------------------------------------
echo
echo "Spec: $SPEC_REL (Klaviyo API 2024-07-15, $(wc -c < "$SPEC") bytes, 231 operations)."
echo "Load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency after a ${WARMUP} warm-up, one server at a time, all on 127.0.0.1;"
echo "$(nproc) cores, load average before the runs $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| server | request | req/s | p50 | p99 | peak RSS | non-2xx |"
echo "|---|---|---:|---:|---:|---:|---|"
printf '%s\n' "${ROWS[@]}"
echo
printf '%s\n' "${NOTES[@]}"
if [[ -n $PRISM ]]; then
    echo
    echo "| request | req/s: apiwatch ÷ prism | req/s: apiwatch dynamic ÷ prism --dynamic | p99: prism ÷ apiwatch | p99: prism --dynamic ÷ apiwatch dynamic |"
    echo "|---|---:|---:|---:|---:|"
    # ratio A B: A / B to one decimal, or – when either is missing.
    ratio() { if [[ -n $1 && -n $2 && $2 != 0 ]]; then awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f×", a / b}'; else echo "–"; fi; }
    dyn="apiwatch, Prefer: dynamic=true"
    for kind in GET POST; do
        echo "| $kind | $(ratio "${RPS["apiwatch|$kind"]:-}" "${RPS["prism|$kind"]:-}") | $(ratio "${RPS["$dyn|$kind"]:-}" "${RPS["prism --dynamic|$kind"]:-}") | $(ratio "${P99["prism|$kind"]:-}" "${P99["apiwatch|$kind"]:-}") | $(ratio "${P99["prism --dynamic|$kind"]:-}" "${P99["$dyn|$kind"]:-}") |"
    done
fi
echo
# The issue's targets: p99 under 10 ms, and at least 10× Prism's throughput (each
# apiwatch mode against the faster of Prism's two modes, the harder comparison).
for server in apiwatch "apiwatch, Prefer: dynamic=true"; do
    for kind in GET POST; do
        a=${RPS["$server|$kind"]:-}; a99=${P99["$server|$kind"]:-}
        [[ -n $a ]] || continue
        verdict="$server, $kind: p99 $a99 ms ($(awk -v p="$a99" 'BEGIN {print (p < 10 ? "under" : "NOT under")}') the 10 ms target)"
        best=${RPS["prism|$kind"]:-}
        d=${RPS["prism --dynamic|$kind"]:-}
        [[ -z $d || ( -n $best && $best -ge $d ) ]] || best=$d
        if [[ -n $best ]]; then
            verdict="$verdict; $(awk -v a="$a" -v b="$best" 'BEGIN {printf "%.1f× the faster Prism mode (%s the 10× target)", a / b, (a >= 10 * b ? "meets" : "does NOT meet")}')"
        fi
        echo "- $verdict"
    done
done
exit "$FAILED"
