#!/usr/bin/env python3
"""Summary of a tools/sqlsmith.sh run, from the server log and sqlsmith's dump of its queries.

  summarize.py SERVER_LOG QUERIES MAX_QUERIES START END LABEL SRC_DIR [LOG_OFFSET]

(LOG_OFFSET: read the server log from this byte on, to summarize a later phase of the run.)

Counts the queries, those that call an ecomai function (and each function's calls), crashed
backends ("terminated by signal"), statements still running 5 s after sqlsmith's 1 s timeout
(log_min_duration_statement = 5000: a loop that misses CHECK_FOR_INTERRUPTS), and the errors of
ecomai-calling queries by SQLSTATE, with the messages of the internal (XX) ones.  Prints one
summary line last; exits 1 on a crash, a hang or an internal error raised by ecomai.
"""
import collections
import glob
import os
import re
import sys

log_path, queries_path, max_queries, start, end, label, src_dir = sys.argv[1:8]
log_offset = int(sys.argv[8]) if len(sys.argv) > 8 else 0
seconds = float(end) - float(start)

# The internal-error messages ecomai can raise: the format strings of elog() and of errmsg() in an
# ereport without errcode() in src/*.c, as regular expressions, so that an internal error is
# blamed on ecomai only when it wrote it (core functions such as int4_avg_accum raise XX000 on
# arrays sqlsmith hands them, too).
formats = []
for path in glob.glob(os.path.join(src_dir, '*.c')):
    text = open(path, encoding='utf-8').read()
    for m in re.finditer(r'(?:elog\(\s*ERROR\s*,|errmsg(?:_internal)?\()\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', text):
        if not m.group(0).startswith('elog'):
            report = text.rfind('ereport(', 0, m.start())
            if report >= 0 and 'errcode(' in text[report:m.start()]:
                continue                # raised with its own SQLSTATE, never XX000
        fmt = ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))).replace('\\"', '"')
        parts = re.split(r'%[-+ #0-9.*]*(?:l|ll|z|h)?[sdiufgexXc%]', fmt)
        if len(''.join(parts)) >= 4:    # not a bare "%s" built elsewhere
            formats.append(re.compile('^' + '.*'.join(re.escape(x) for x in parts) + '$', re.S))


def from_ecomai(message):
    return any(f.match(message) for f in formats)


queries = [q for q in re.split(r';[ \t]*\n', open(queries_path, encoding='utf-8', errors='replace').read())
           if q.strip()]
CALL = re.compile(r'\becomai\.([a-z_0-9]+)\(')
calls = collections.Counter()
ecomai_queries = 0
for q in queries:
    names = CALL.findall(q)
    if names:
        ecomai_queries += 1
        calls.update(names)

# Server log entries: "<timestamp> <tz> [pid] <sqlstate> LEVEL:  text", continuation lines after.
head = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] (?:(\w{5}) )?([A-Z]+):  (.*)$')
entries = []
log_file = open(log_path, encoding='utf-8', errors='replace')
log_file.seek(log_offset)
for line in log_file:
    m = head.match(line)
    if m:
        entries.append([m.group(1), m.group(2) or '', m.group(3), m.group(4) + '\n'])
    elif entries:
        entries[-1][3] += line

crashes = [e[3].strip() for e in entries if 'terminated by signal' in e[3]]
hangs = [e[3][:300].strip() for e in entries if e[2] == 'LOG' and e[3].startswith('duration:')]
errors = []                     # (sqlstate, message, statement)
pending = {}
for pid, state, level, text in entries:
    if level in ('ERROR', 'FATAL', 'PANIC'):
        pending[pid] = len(errors)
        errors.append([state, text.strip().split('\n')[0], ''])
    elif level == 'STATEMENT' and pid in pending:
        errors[pending.pop(pid)][2] = text
ecomai_errors = [e for e in errors if CALL.search(e[2])]
by_state = collections.Counter(e[0] for e in ecomai_errors)
internal = collections.Counter(e[1] for e in ecomai_errors if e[0].startswith('XX'))
unexpected = {m: n for m, n in internal.items() if from_ecomai(m)}

phase = 'sqlsmith' if os.path.basename(queries_path) == 'queries.sql' else 'sweep'
print('ecomai functions called (calls in %d queries):' % ecomai_queries)
for name, n in sorted(calls.items(), key=lambda kv: (-kv[1], kv[0])):
    print('  %7d  %s' % (n, name))
print('errors of ecomai-calling queries by SQLSTATE:')
for state, n in sorted(by_state.items(), key=lambda kv: (-kv[1], kv[0])):
    top = collections.Counter(e[1] for e in ecomai_errors if e[0] == state).most_common(2)
    print('  %7d  %s  e.g. %s' % (n, state, ' | '.join(m[:90] for m, _ in top)))
for msg, n in sorted(internal.items()):
    print('  internal: %d x %s%s' % (n, msg, '   <== FINDING' if msg in unexpected else
                                     '   (PostgreSQL core)' if not from_ecomai(msg) else ''))
for c in crashes:
    print('CRASH: ' + c)
for h in hangs:
    print('HANG (ran 5 s past the 1 s timeout): ' + h.replace('\n', ' '))
print('%s: %d queries (max %s, %s) in %.0f s = %.1f queries/s; %d call ecomai (%d calls of %d '
      'functions), %d of them ran without error; errors: %d of all queries, %d of ecomai queries; '
      'crashes %d, hangs %d, internal errors from ecomai %d'
      % (phase, len(queries), max_queries, label, seconds, len(queries) / seconds if seconds else 0,
         ecomai_queries, sum(calls.values()), len(calls), ecomai_queries - len(ecomai_errors),
         len(errors), len(ecomai_errors), len(crashes), len(hangs), sum(unexpected.values())))
sys.exit(1 if crashes or hangs or unexpected else 0)
