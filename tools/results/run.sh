#!/usr/bin/env bash
# Runs one experiment of docs/results.md from scratch for several seeds and summarises it (issue 18).
#
#   tools/results/run.sh EXPERIMENT[,EXPERIMENT...] [--seeds 1,2,3] [-- EXTRA OPTIONS FOR THE PROGRAM]
#
# EXPERIMENT: imdb-simple | imdb-lstm | imdb-gru | imdb-bilstm | imdb-bilstm-200 | names | addition | adding | adding-400 | shakespeare | shakespeare-32 | shakespeare-32-drop5 | ptb
# (the options of each are in configure() below; several, comma-separated, run seed by seed with one build;
# options after -- come last and override them). Every seed runs in its own JVM with one BLAS thread
# (OPENBLAS_NUM_THREADS=1, -Djrnn.blas.threads=1: a run repeats bit for bit on the same machine; OpenBLAS picks
# CPU-specific kernels, so another CPU may round differently), writes runs/results/EXPERIMENT/seed-S/ and
# seed-S.log, and prints its RESULT line, also kept in runs/results/EXPERIMENT/results.txt (a seed run again
# replaces its line; seeds may run in separate calls). At the end one SUMMARY line gives each metric's mean,
# sample standard deviation and range over the seeds in results.txt. The commit (git rev-parse HEAD, "+dirty" when
# the code has changes, docs aside; also on every RESULT line), the CPU (lscpu) and the wall time are printed.
#
# Environment: JRNN_SKIP_BUILD=1 skips `mvn compile` (the classes in target/ are used as they are);
# JRNN_DATA=DIR points at the data sets (default: ../shared/data above the working directory).
set -euo pipefail
# The whole script is one { ... } block, which bash reads to its end before running any of it: an edit of this
# file while a run is in progress (hours) cannot change what that run does next. (Without the block bash reads
# a script as it goes, and an edit made during a run once made it run half a line and overwrite a finished log.)
{
cd "$(dirname "$0")/../.."

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] || usage
exps=$1; shift
seeds=1,2,3
extra=()
while [ $# -gt 0 ]; do
    case $1 in
        --seeds) seeds=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "run.sh: unknown option '$1' (expected --seeds LIST or -- followed by the program's options)" >&2; exit 2 ;;
    esac
done

# Each experiment: the program, its options (the seed and output folder are added), the metrics summarised and
# the fields that name a row of the summary (several RESULT lines per seed, e.g. one per model and length).
imdb_common="--epochs 15 --patience 4 --monitor val_acc --batch 128 --dropout 0.3 --valid-fraction 0.1 --split-seed 42"
configure() {
    case $1 in
    imdb-simple)   # clipping chosen on validation (docs/results.md §1); it still improves at 15 epochs, so up to 30
        main=ImdbSentiment; opts="--model simple ${imdb_common/--epochs 15/--epochs 30} --clip 1"
        outs="--out {OUT}"; metrics="test_acc last_test_acc valid_acc best_epoch epochs"; group="model" ;;
    imdb-lstm|imdb-gru|imdb-bilstm|imdb-bilstm-200)   # -200: the last 200 words instead of 80 (§1: compared on validation)
        model=${1#imdb-}; main=ImdbSentiment; opts="--model ${model%-200} $imdb_common"
        [[ $1 != *-200 ]] || opts+=" --maxlen 200"
        outs="--out {OUT}"; metrics="test_acc last_test_acc valid_acc best_epoch epochs"; group="model" ;;
    names)
        main=NamesByLanguage; opts="--epochs 12 --patience 2 --batch 128 --lr 5e-3"
        outs="--out {OUT} --png {OUT}/names-confusion.png"
        metrics="test_acc macro_acc last_test_acc valid_acc best_epoch epochs"; group="" ;;
    addition)
        main=Seq2SeqAddition; opts="--train 0 --reverse true --lr 3e-3 --lr-decay 0.97 --epochs 45 --patience 10"
        outs="--csv {OUT}/addition.csv"
        metrics="test_exact_match last_test_exact_match valid_exact_match best_epoch epochs"; group="" ;;
    adding)
        main=AddingProblem; opts="--models simple,lstm,gru --lengths 50,100,200,400 --steps 3000"
        outs="--csv {OUT}/adding.csv --png {OUT}/adding.png"; metrics="ratio solved steps"; group="model T" ;;
    adding-400)    # issue 18's target alone: T = 400, Keras' initialisation (LSTM forget bias 1), a 10,000-step budget
        main=AddingProblem; opts="--models lstm,gru --lengths 400 --steps 10000 --init keras"
        outs="--csv {OUT}/adding.csv --png {OUT}/adding.png"; metrics="ratio solved steps"; group="model T" ;;
    shakespeare|shakespeare-32|shakespeare-32-drop5)
        # -32: the same model and schedule on 32-row batches (twice the updates per epoch; chosen on validation, §2);
        # -drop5: and dropout 0.5 (char-rnn's) instead of 0.2, a comparison on validation
        main=LanguageModels; opts="--task shakespeare --epochs 12 --lr 2e-3 --lr-decay 0.7 --decay-after 6"
        [[ $1 != *-32* ]] || opts+=" --batch 32"
        [[ $1 != *-drop5 ]] || opts+=" --dropout 0.5"
        outs=""; metrics="valid_nll test_nll valid_bits test_bits epochs"; group="" ;;
    ptb)           # Zaremba et al.'s small model; lr 20 / clip 0.25 on the mean loss = their lr 1 / clip 5 on the sum
        main=LanguageModels; opts="--task ptb --epochs 13 --lr 20 --lr-decay 0.5 --decay-after 4"
        outs=""; metrics="valid_ppl test_ppl valid_nll test_nll epochs"; group="" ;;
    *) echo "run.sh: unknown experiment '$1'; the experiments are:" >&2
       sed -n 's/^# EXPERIMENT: /  /p' "$0" >&2      # the list in the header above, kept in one place
       exit 2 ;;
    esac
}
for e in ${exps//,/ }; do configure "$e"; done     # fails early on a typo

commit=$(git rev-parse HEAD)
git diff --quiet HEAD -- . ':!runs' ':!docs' ':!*.md' 2>/dev/null || commit="$commit+dirty"
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
mkdir -p runs/results

if [ "${JRNN_SKIP_BUILD:-0}" != 1 ]; then
    mvn -B -ntp -q -o -P'!fuzz' -pl jrnn-examples -am compile >&2
fi
[ -f /tmp/jrnn-results-cp.txt ] && [ /tmp/jrnn-results-cp.txt -nt jrnn-core/pom.xml ] \
    || mvn -B -ntp -q -o -pl jrnn-core dependency:build-classpath -Dmdep.includeScope=runtime \
        -Dmdep.outputFile=/tmp/jrnn-results-cp.txt >&2
# a private copy of the classes, so that a rebuild during a long run does not change the code it runs
snap=runs/results/classes-$$
rm -rf "$snap"; mkdir -p "$snap"; trap 'rm -rf "$snap"' EXIT
cp -r jrnn-core/target/classes "$snap/core"; cp -r jrnn-examples/target/classes "$snap/examples"
cp="$snap/examples:$snap/core:$(cat /tmp/jrnn-results-cp.txt)"

echo "experiments $exps  commit $commit  seeds $seeds  machine: $cpu, $(nproc) cores  started $(date -u +%FT%TZ)"
t0=$(date +%s)
for s in ${seeds//,/ }; do
    for exp in ${exps//,/ }; do
        configure "$exp"
        out=runs/results/$exp
        mkdir -p "$out"; touch "$out/results.txt"
        sed -i "/^RESULT seed=$s /d" "$out/results.txt"          # a seed run again replaces its old lines
        o=${outs//\{OUT\}/$out/seed-$s}
        mkdir -p "$out/seed-$s"
        echo "$exp seed $s: java -Xss8m -Djrnn.blas.threads=1 dev.jrnn.examples.$main $opts ${extra[*]:-} --seed $s $o"
        ts=$(date +%s)
        OPENBLAS_NUM_THREADS=1 java -Djava.awt.headless=true -Xss8m -Djrnn.blas.threads=1 -cp "$cp" \
            "dev.jrnn.examples.$main" $opts "${extra[@]}" --seed "$s" $o > "$out/seed-$s.log" 2>&1 \
            || { echo "$exp seed $s FAILED (see $out/seed-$s.log):"; tail -5 "$out/seed-$s.log"; exit 1; }
        grep '^RESULT' "$out/seed-$s.log" \
            | sed "s/^RESULT /RESULT seed=$s commit=${commit:0:12} wall=$(( $(date +%s) - ts ))s /" | tee -a "$out/results.txt"
    done
done

for exp in ${exps//,/ }; do
    configure "$exp"
    out=runs/results/$exp
    echo "$exp: summary over every seed in $out/results.txt ($(sed 's/^RESULT seed=\([0-9]*\) .*/\1/' "$out/results.txt" | sort -un | paste -sd,)), mean ± sample sd [min, max]:"
    awk -v metrics="$metrics" -v group="$group" '
        { delete f; for (i = 3; i <= NF; i++) if (split($i, kv, "=") == 2) f[kv[1]] = kv[2]
          g = ""; ng = split(group, gs, " "); for (j = 1; j <= ng; j++) g = g gs[j] "=" f[gs[j]] " "
          if (!(g in seen)) { seen[g] = 1; order[++groups] = g }
          nm = split(metrics, ms, " ")
          for (j = 1; j <= nm; j++) if (ms[j] in f) {
              v = f[ms[j]]; v = (v == "true") ? 1 : (v == "false") ? 0 : v + 0; k = g SUBSEP ms[j]
              n[k]++; sum[k] += v; sq[k] += v * v
              if (!(k in lo) || v < lo[k]) lo[k] = v; if (!(k in hi) || v > hi[k]) hi[k] = v } }
        END { nm = split(metrics, ms, " ")
              for (i = 1; i <= groups; i++) { line = order[i]
                  for (j = 1; j <= nm; j++) { k = order[i] SUBSEP ms[j]; if (!(k in n)) continue
                      m = sum[k] / n[k]; sd = n[k] > 1 ? sqrt((sq[k] - n[k] * m * m) / (n[k] - 1)) : 0; if (sd != sd) sd = 0
                      line = line sprintf(" %s=%.4f±%.4f[%.4f,%.4f]", ms[j], m, sd, lo[k], hi[k]) }
                  print "SUMMARY " line " n=" n[order[i] SUBSEP ms[1]] } }' "$out/results.txt" | tee "$out/summary.txt"
done
echo "experiments $exps  commit $commit  wall $(( $(date +%s) - t0 )) s  finished $(date -u +%FT%TZ)"
exit
}
