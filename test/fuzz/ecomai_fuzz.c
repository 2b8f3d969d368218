/*
 * ecomai_fuzz.c
 *	  Feeds mutated and random inputs to one ecomai input path through a
 *	  running server, and checks that the server never crashes and that every
 *	  rejection is an ERROR of SQLSTATE class 22 (data exception).
 *
 *	  ecomai_fuzz --sql 'SELECT $1::ecomai.svec' --format text|binary \
 *	              --seeds 'SELECT v FROM fuzz_seeds_svec' [--cases N] [--seed S] [--name NAME]
 *	              [--allow 'SQLSTATE,SQLSTATE']
 *
 * In text format the parameter is sent as text of unknown type (so the type's
 * input function parses it); in binary format it is sent with the type the
 * statement infers (so the type's receive function parses it).  Seeds are
 * fetched in the same format, so binary seeds are exactly what the type's
 * send function produces.  --allow names further SQLSTATEs that are expected
 * (PostgreSQL's own array_recv answers 08P01 or 42804 to some bytes).  Connection settings come from the PG* environment.
 * Everything is reproducible from --seed.  Exit status 1 when the server
 * crashed or an input was rejected with an unexpected SQLSTATE.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#define Min(a, b) ((a) < (b) ? (a) : (b))

typedef struct Buf
{
	unsigned char *data;
	size_t		len;
} Buf;

static uint64_t rng_state;

/* splitmix64: small, fast, and the same sequence everywhere */
static uint64_t
rng_next(void)
{
	uint64_t	z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t
rng_below(size_t n)
{
	return n == 0 ? 0 : (size_t) (rng_next() % n);
}

static PGconn *
connect_or_die(int wait_seconds)
{
	for (int i = 0; i <= wait_seconds * 4; i++)
	{
		PGconn	   *conn = PQconnectdb("");

		if (PQstatus(conn) == CONNECTION_OK)
		{
			PQclear(PQexec(conn, "SET statement_timeout = '10s'"));
			return conn;
		}
		PQfinish(conn);
		usleep(250000);
	}
	fprintf(stderr, "ecomai_fuzz: cannot connect to the server\n");
	exit(2);
}

/* Grow b to hold at least n bytes. */
static void
buf_reserve(Buf *b, size_t n)
{
	b->data = realloc(b->data, n + 1);
	if (b->data == NULL)
		exit(3);
}

static const char *const text_tokens[] = {
	"{", "}", ":", ",", "-", "+", ".", "e", "E", "1e309", "-1e309", "NaN", "Infinity", "-Infinity",
	"9223372036854775807", "-9223372036854775808", "9223372036854775808", "0", "1", "2.5", " ",
	"\"", "'", "\\", "[", "]", "(", ")", "|", ";", "=", "\n", "{}", "variable", "probability",
	"network", "table", "default", "0x", "1e-320", "4.9e-324", "|", ">", "(start)", "(null)",
};

static const uint64_t interesting[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
	0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xffffffffffffffffULL, 0x3ff0000000000000ULL,
	0x7ff8000000000000ULL, 0x7ff0000000000000ULL, 1000000, 1u << 30,
};

/* Apply one random mutation to b, in place. */
static void
mutate_once(Buf *b, const Buf *seeds, int nseeds, int text)
{
	size_t		pos = rng_below(b->len + 1);

	switch (rng_below(9))
	{
		case 0:					/* flip a bit */
			if (b->len)
				b->data[rng_below(b->len)] ^= (unsigned char) (1u << rng_below(8));
			break;
		case 1:					/* set a byte */
			if (b->len)
				b->data[rng_below(b->len)] = (unsigned char) interesting[rng_below(6)] ^ (rng_below(2) ? 0 : (unsigned char) rng_next());
			break;
		case 2:					/* truncate */
			b->len = rng_below(b->len + 1);
			break;
		case 3:					/* delete a range */
			if (b->len)
			{
				size_t		n = 1 + rng_below(Min(16, b->len - Min(pos, b->len - 1)));

				pos = Min(pos, b->len - 1);
				n = Min(n, b->len - pos);
				memmove(b->data + pos, b->data + pos + n, b->len - pos - n);
				b->len -= n;
			}
			break;
		case 4:					/* insert random bytes */
			{
				size_t		n = 1 + rng_below(8);

				buf_reserve(b, b->len + n);
				memmove(b->data + pos + n, b->data + pos, b->len - pos);
				for (size_t i = 0; i < n; i++)
					b->data[pos + i] = (unsigned char) rng_next();
				b->len += n;
			}
			break;
		case 5:					/* overwrite with an interesting integer */
			{
				uint64_t	v = interesting[rng_below(sizeof(interesting) / sizeof(interesting[0]))];
				size_t		w = (size_t) 1 << rng_below(4);

				if (b->len >= w)
				{
					pos = rng_below(b->len - w + 1);
					for (size_t i = 0; i < w; i++)	/* big-endian, as the wire format is */
						b->data[pos + i] = (unsigned char) (v >> (8 * (w - 1 - i)));
				}
			}
			break;
		case 6:					/* duplicate a range */
			if (b->len)
			{
				size_t		start = rng_below(b->len);
				size_t		n = 1 + rng_below(Min(64, b->len - start));

				buf_reserve(b, b->len + n);
				memmove(b->data + pos + n, b->data + pos, b->len - pos);
				memcpy(b->data + pos, b->data + (start < pos ? start : start + n), n);
				b->len += n;
			}
			break;
		case 7:					/* splice in part of another seed */
			{
				const Buf  *o = &seeds[rng_below(nseeds)];
				size_t		start = rng_below(o->len + 1);
				size_t		n = rng_below(o->len - start + 1);

				buf_reserve(b, pos + n + 1);
				memcpy(b->data + pos, o->data + start, n);
				b->len = pos + n;
			}
			break;
		default:				/* insert a token (text) or a repeated block (binary) */
			if (text)
			{
				const char *t = text_tokens[rng_below(sizeof(text_tokens) / sizeof(text_tokens[0]))];
				size_t		n = strlen(t);

				buf_reserve(b, b->len + n);
				memmove(b->data + pos + n, b->data + pos, b->len - pos);
				memcpy(b->data + pos, t, n);
				b->len += n;
			}
			else
			{
				size_t		n = 4 * (1 + rng_below(4));

				buf_reserve(b, b->len + n);
				memmove(b->data + pos + n, b->data + pos, b->len - pos);
				memset(b->data + pos, (int) rng_below(256), n);
				b->len += n;
			}
			break;
	}
}

static void
write_case(const char *name, long n, const Buf *b)
{
	char		path[256];
	FILE	   *f;

	snprintf(path, sizeof(path), "fuzz-%s-case-%ld.bin", name, n);
	f = fopen(path, "wb");
	if (f)
	{
		fwrite(b->data, 1, b->len, f);
		fclose(f);
		fprintf(stderr, "  input saved to %s\n", path);
	}
}

int
main(int argc, char **argv)
{
	const char *sql = NULL;
	const char *seeds_sql = NULL;
	const char *name = "target";
	const char *allow = "";
	int			binary = 0;
	long		cases = 100000;
	uint64_t	seed = 1;
	PGconn	   *conn;
	PGresult   *res;
	Buf		   *seeds;
	int			nseeds;
	long		accepted = 0, rejected = 0, unexpected = 0, crashes = 0;
	Buf			cur = {NULL, 0};

	for (int i = 1; i + 1 < argc; i += 2)
	{
		if (strcmp(argv[i], "--sql") == 0)
			sql = argv[i + 1];
		else if (strcmp(argv[i], "--seeds") == 0)
			seeds_sql = argv[i + 1];
		else if (strcmp(argv[i], "--format") == 0)
			binary = strcmp(argv[i + 1], "binary") == 0;
		else if (strcmp(argv[i], "--cases") == 0)
			cases = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--name") == 0)
			name = argv[i + 1];
		else if (strcmp(argv[i], "--allow") == 0)
			allow = argv[i + 1];
	}
	if (!sql || !seeds_sql)
	{
		fprintf(stderr, "usage: ecomai_fuzz --sql SQL --seeds SQL [--format text|binary] [--cases N] [--seed S] [--name NAME] [--allow CODES]\n");
		return 2;
	}
	rng_state = seed;
	conn = connect_or_die(5);

	res = PQexecParams(conn, seeds_sql, 0, NULL, NULL, NULL, NULL, binary);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) == 0)
	{
		fprintf(stderr, "ecomai_fuzz: %s: seed query gave no rows: %s\n", name, PQerrorMessage(conn));
		return 2;
	}
	nseeds = PQntuples(res);
	seeds = calloc(nseeds, sizeof(Buf));
	for (int i = 0; i < nseeds; i++)
	{
		seeds[i].len = PQgetlength(res, i, 0);
		seeds[i].data = malloc(seeds[i].len + 1);
		memcpy(seeds[i].data, PQgetvalue(res, i, 0), seeds[i].len);
	}
	PQclear(res);

	for (long n = 0; n < cases; n++)
	{
		const char *values[1];
		int			lengths[1];
		int			formats[1] = {binary};
		ExecStatusType st;

		if (rng_below(20) == 0)
		{
			/* pure noise */
			cur.len = rng_below(64);
			buf_reserve(&cur, cur.len);
			for (size_t i = 0; i < cur.len; i++)
				cur.data[i] = (unsigned char) rng_next();
		}
		else
		{
			const Buf  *s = &seeds[rng_below(nseeds)];
			int			m = 1 + (int) rng_below(4);

			buf_reserve(&cur, s->len);
			memcpy(cur.data, s->data, s->len);
			cur.len = s->len;
			for (int k = 0; k < m; k++)
				mutate_once(&cur, seeds, nseeds, !binary);
		}
		if (!binary)
		{
			/* a text parameter is a C string */
			for (size_t i = 0; i < cur.len; i++)
				if (cur.data[i] == 0)
					cur.data[i] = ' ';
		}
		cur.data[cur.len] = 0;
		values[0] = (const char *) cur.data;
		lengths[0] = (int) cur.len;

		res = PQexecParams(conn, sql, 1, NULL, values, lengths, formats, 0);
		st = PQresultStatus(res);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
			accepted++;
		else if (PQstatus(conn) != CONNECTION_OK)
		{
			crashes++;
			fprintf(stderr, "ecomai_fuzz: %s: case %ld lost the connection (server crash?)\n", name, n);
			write_case(name, n, &cur);
			PQfinish(conn);
			sleep(1);
			conn = connect_or_die(60);
		}
		else
		{
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

			rejected++;
			if (state == NULL || (strncmp(state, "22", 2) != 0 && strstr(allow, state) == NULL))
			{
				unexpected++;
				if (unexpected <= 10)
				{
					fprintf(stderr, "ecomai_fuzz: %s: case %ld rejected with SQLSTATE %s: %s",
							name, n, state ? state : "(none)", PQresultErrorMessage(res));
					write_case(name, n, &cur);
				}
			}
		}
		PQclear(res);
	}
	printf("fuzz %-28s %8ld cases: %ld accepted, %ld rejected as expected, %ld unexpected errors, %ld crashes\n",
		   name, cases, accepted, rejected - unexpected, unexpected, crashes);
	PQfinish(conn);
	return (crashes || unexpected) ? 1 : 0;
}
