#!/usr/bin/env bash
# ecomai.markov_confidence against R markovchain's markovchainFit(method = "mle") on the Alofi
# rain sequence shipped with the package (data(rain), 1,096 days, states "0", "1-5", "6+"), at
# confidence levels 0.95 and 0.90 (issue 16: intervals equal markovchain's to 1e-9).
# R writes the sequence and its estimate, standard error and interval endpoints (%.17g); ecomai
# fits the chain with markov_fit over consecutive pairs of that same sequence; the script prints
# both side by side, the largest absolute difference, and PASS (< 1e-9) or FAIL.
# Installs Debian's r-base-core and r-cran-markovchain when missing (through tools/common.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_in_cluster "r-base-core r-cran-markovchain" "$@"
bench_workdir 755

Rscript --vanilla - "$work" <<'R'
suppressPackageStartupMessages(library(markovchain))
out <- commandArgs(trailingOnly = TRUE)[1]
cat("R markovchain", as.character(packageVersion("markovchain")), "|", R.version.string, "\n")
data(rain)
writeLines(as.character(rain$rain), file.path(out, "rain.txt"))
lines <- character(0)
for (lv in c(0.95, 0.90)) {
  f <- markovchainFit(data = rain$rain, method = "mle", confidencelevel = lv)
  # 0.9.x returns the endpoints at the top level, 0.10.x under $confidenceInterval
  ci <- if (is.null(f$confidenceInterval)) f else f$confidenceInterval
  s <- rownames(f$standardError)
  for (i in s) for (j in s)
    lines <- c(lines, sprintf("%s\t%s\t%s\t%.17g\t%.17g\t%.17g\t%.17g", format(lv), i, j,
                              f$estimate@transitionMatrix[i, j], f$standardError[i, j],
                              ci$lowerEndpointMatrix[i, j], ci$upperEndpointMatrix[i, j]))
}
writeLines(lines, file.path(out, "r.tsv"))
R

psql -X -q -v ON_ERROR_STOP=1 -d postgres -At -F $'\t' -o "$work/ecomai.tsv" <<SQL
CREATE EXTENSION IF NOT EXISTS ecomai;
CREATE TEMP TABLE rain (day serial, rain text);
\\copy rain (rain) FROM '$work/rain.txt'
SET extra_float_digits = 3;
SELECT v.lv, c.from_state, c.to_state, c.probability, c.standard_error, c.lower_bound, c.upper_bound
FROM (SELECT ecomai.markov_fit(rain, next_rain) AS m
      FROM (SELECT rain, lead(rain) OVER (ORDER BY day) AS next_rain FROM rain) q) f,
     (VALUES ('0.95', 0.95::float8), ('0.9', 0.9)) v(lv, level), ecomai.markov_confidence(f.m, v.level) c;
SQL

# Every R cell with a nonzero count must be an ecomai row and vice versa (Alofi rain has all 9).
awk -F '\t' '
	NR == FNR { k = $1 FS $2 FS $3; r[k] = $0; ord[++n] = k; next }
	{ k = $1 FS $2 FS $3; e[k] = $0 }
	function abs(x) { return x < 0 ? -x : x }
	END {
		printf "%-5s %-4s %-4s %-10s %-22s %-22s %-22s %-22s %s\n", "level", "from", "to", "", "probability",
			"standard_error", "lower", "upper", "max |diff|"
		max = 0; bad = 0
		for (x = 1; x <= n; x++) {
			k = ord[x]; split(r[k], a, FS)
			if (!(k in e)) { print "missing in ecomai: " k; bad = 1; continue }
			split(e[k], b, FS); d = 0
			for (c = 4; c <= 7; c++) if (abs(a[c] - b[c]) > d) d = abs(a[c] - b[c])
			if (d > max) max = d
			printf "%-5s %-4s %-4s %-10s %-22s %-22s %-22s %-22s\n", a[1], a[2], a[3], "R", a[4], a[5], a[6], a[7]
			printf "%-5s %-4s %-4s %-10s %-22s %-22s %-22s %-22s %.3g\n", "", "", "", "ecomai", b[4], b[5], b[6], b[7], d
		}
		for (k in e) if (!(k in r)) { print "missing in R: " k; bad = 1 }
		printf "max abs difference (estimate, standard error, endpoints; %d cells): %.3g\n", n, max
		if (bad || max >= 1e-9 || n == 0) { print "FAIL (tolerance 1e-9)"; exit 1 }
		print "PASS (tolerance 1e-9)"
	}' "$work/r.tsv" "$work/ecomai.tsv"
