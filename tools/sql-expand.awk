# Expands the two macros of the SQL pieces in src/sql/ (run by the Makefile; the pieces stay
# plain SQL to psql, where a macro line is a comment):
#
#   -- @template NAME KEY=value ...
#       the text of $templates/NAME.sql (its leading comment block left out), every @KEY@ in it
#       replaced by the value: declarations that PostgreSQL needs once per type, written once.
#   -- @each KEY=value ... | KEY=value ...
#   ...lines...
#   -- @end
#       the lines up to "-- @end", once per "|"-separated set of values: overloads and families
#       of functions that differ only in a type, a name or a description.
#
# A macro line may be indented (an @each inside a function body).  A macro line that ends in " \"
# goes on in the next line (its leading "--" left out).
# A value is a word, or "in double quotes" (no " nor | inside; SQL quoting is the caller's).  A
# template may call templates, and so may an @each block.  A @KEY@ (capitals, digits, _) left
# unreplaced is an error, as are an unknown template and an unclosed @each; @extschema@ (lower
# case) is PostgreSQL's and passes through.  Each file's text starts with a "-- from FILE" line.
#
#   awk -v templates=src/sql/templates -f tools/sql-expand.awk PIECE...

function fail(where, msg)
{
	printf "%s: %s\n", where, msg > "/dev/stderr"
	failed = 1
	exit 1
}

# KEY=value and KEY="value with spaces" of spec into keys[1..n] and vals[1..n]; returns n
function bind(spec, keys, vals, where,    n, eq, close_at)
{
	n = 0
	sub(/^ +/, "", spec)
	while (spec != "") {
		if (!match(spec, /^[A-Z][A-Z0-9_]*=/))
			fail(where, "expected KEY=value at \"" spec "\"")
		keys[++n] = substr(spec, 1, RLENGTH - 1)
		spec = substr(spec, RLENGTH + 1)
		if (substr(spec, 1, 1) == "\"") {
			close_at = index(substr(spec, 2), "\"")
			if (close_at == 0)
				fail(where, "unclosed \" in the value of " keys[n])
			vals[n] = substr(spec, 2, close_at - 1)
			spec = substr(spec, close_at + 2)
		} else {
			eq = index(spec " ", " ")
			vals[n] = substr(spec, 1, eq - 1)
			spec = substr(spec, eq)
		}
		if (vals[n] ~ /[&\\]/)
			fail(where, "a value with & or \\ in " keys[n])
		sub(/^ +/, "", spec)
	}
	return n
}

function substitute(line, keys, vals, n,    i)
{
	for (i = 1; i <= n; i++)
		gsub("@" keys[i] "@", vals[i], line)
	return line
}

# Lines lines[1..n] of where: macro lines ending in " \" joined to the next, @each blocks
# repeated, then every line through out().
function process(lines, n, where,    m, joined, text, i, j, spec, sets, nsets, s, keys, vals, nk, first)
{
	m = 0
	for (i = 1; i <= n; i++) {
		joined[++m] = lines[i]
		while (joined[m] ~ /^ *-- @(template|each) / && joined[m] ~ / \\$/ && i < n) {
			sub(/ \\$/, "", joined[m])
			text = lines[++i]
			sub(/^ *-- */, "", text)
			joined[m] = joined[m] " " text
		}
	}
	for (i = 1; i <= m; i++) {
		if (joined[i] ~ /^ *-- @end *$/)
			fail(where, "@end without @each")
		if (joined[i] !~ /^ *-- @each /) {
			out(joined[i], where)
			continue
		}
		print joined[i]
		spec = joined[i]
		sub(/^ *-- @each +/, "", spec)
		first = i + 1
		for (j = first; j <= m && joined[j] !~ /^ *-- @end *$/; j++)
			if (joined[j] ~ /^ *-- @each /)
				fail(where, "@each inside @each")
		if (j > m)
			fail(where, "@each without @end")
		nsets = split(spec, sets, /\|/)
		for (s = 1; s <= nsets; s++) {
			nk = bind(sets[s], keys, vals, where)
			for (i = first; i < j; i++)
				out(substitute(joined[i], keys, vals, nk), where)
		}
		i = j
	}
}

# One line of output: a template call is expanded, anything else printed once all is replaced.
function out(line, where)
{
	if (line ~ /^ *-- @template /)
		expand_template(line, where)
	else if (line ~ /@[A-Z][A-Z0-9_]*@/) {
		match(line, /@[A-Z][A-Z0-9_]*@/)
		fail(where, "unreplaced " substr(line, RSTART, RLENGTH))
	} else
		print line
}

function expand_template(line, where,    spec, name, file, keys, vals, nk, text, rc, header, lines, n)
{
	spec = line
	sub(/^ *-- @template +/, "", spec)
	name = spec
	sub(/ .*/, "", name)
	sub(/^[^ ]+ */, "", spec)
	nk = bind(spec, keys, vals, where)
	file = templates "/" name ".sql"
	if (++depth > 8)
		fail(where, "templates nested too deep at " name)
	print line
	header = 1
	n = 0
	while ((rc = (getline text < file)) > 0) {
		if (header && text ~ /^--/ && text !~ /^-- @/)
			continue
		header = 0
		lines[++n] = substitute(text, keys, vals, nk)
	}
	if (rc < 0)
		fail(where, "no template " file)
	close(file)
	process(lines, n, file)
	depth--
}

FNR == 1 && NR > 1 {
	process(file_lines, nlines, file_name)
}

FNR == 1 {
	print ""
	print "-- from " FILENAME
	file_name = FILENAME
	nlines = 0
}

{
	file_lines[++nlines] = $0
}

END {
	if (failed)
		exit 1
	if (NR > 0)
		process(file_lines, nlines, file_name)
}
