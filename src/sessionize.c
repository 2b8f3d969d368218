/*
 * sessionize.c
 *	  sessionize(ts, gap) OVER (PARTITION BY user ORDER BY ts, tie_break):
 *	  a window function numbering a user's sessions, a new session starting
 *	  after more than gap of inactivity.
 *
 * The executor calls a window function once per row, in the window's order,
 * so the function keeps the previous row's timestamp and the session number
 * in the partition's local memory: one comparison per row, no sort of its own.
 * Rows must come in ascending timestamp order (anything else is an error: the
 * sessions would be meaningless).  Two rows with the same timestamp that are
 * also peers in the window's ORDER BY (nothing breaks the tie) make the order
 * of a path depend on the plan; the first such pair of a query raises a
 * WARNING that asks for a tie-break column.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "windowapi.h"

#include "ecomai.h"

PG_FUNCTION_INFO_V1(ecomai_sessionize);

/* Per-partition state: where we are and the previous timestamp. */
typedef struct SessionState
{
	int64		session;		/* number of the current session, 0 before the first row */
	int64		prevpos;		/* position of the previous non-NULL timestamp */
	Timestamp	prev;			/* its value (timestamp and timestamptz are both int64) */
} SessionState;

/* True when later - earlier is more than gap (earlier <= later). */
static bool
gap_exceeded(Timestamp earlier, Timestamp later, Interval *gap, bool with_tz)
{
	Datum		end;

	if (gap->month == 0 && gap->day == 0)
	{
		int64		diff;

		/* an infinite timestamp is infinitely far from any finite one */
		if (pg_sub_s64_overflow(later, earlier, &diff))
			return true;
		return diff > gap->time;
	}
	if (TIMESTAMP_NOT_FINITE(earlier))
		return earlier != later;
	/* months and days: calendar arithmetic, in the session's time zone for timestamptz */
	end = with_tz ?
		DirectFunctionCall2(timestamptz_pl_interval, TimestampGetDatum(earlier), IntervalPGetDatum(gap)) :
		DirectFunctionCall2(timestamp_pl_interval, TimestampGetDatum(earlier), IntervalPGetDatum(gap));
	return later > DatumGetTimestamp(end);
}

/*
 * sessionize(ts, gap): the session number of the current row within its
 * partition, from 1; NULL for a NULL timestamp (which starts no session).
 */
Datum
ecomai_sessionize(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	SessionState *st = WinGetPartitionLocalMemory(winobj, sizeof(SessionState));
	int64		curpos = WinGetCurrentPosition(winobj);
	bool		tsnull,
				gapnull;
	Datum		tsd = WinGetFuncArgCurrent(winobj, 0, &tsnull);
	Datum		gapd = WinGetFuncArgCurrent(winobj, 1, &gapnull);
	Interval   *gap;
	Timestamp	ts;

	if (gapnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("session gap must not be null")));
	gap = DatumGetIntervalP(gapd);
	if (gap->month < 0 || gap->day < 0 || gap->time < 0 ||
		(gap->month == 0 && gap->day == 0 && gap->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("session gap must be positive"),
				 errdetail("Its months, days and time must each be zero or more, and not all zero.")));
	if (tsnull)
		PG_RETURN_NULL();
	ts = DatumGetTimestamp(tsd);

	if (st->session == 0)
		st->session = 1;
	else if (ts < st->prev)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sessionize needs the rows of a partition in ascending timestamp order"),
				 errhint("Call it as sessionize(ts, gap) OVER (PARTITION BY user_id ORDER BY ts, event_id).")));
	else
	{
		if (ts == st->prev && fcinfo->flinfo->fn_extra == NULL &&
			WinRowsArePeers(winobj, st->prevpos, curpos))
		{
			/* once per query: the flag lives as long as the function's call site */
			fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, 1);
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("two events of one partition have the same timestamp and nothing orders them"),
					 errdetail("Rows %lld and %lld of a partition are peers in the window's ORDER BY, so their order, and a path built from it, depends on the plan.",
							   (long long) st->prevpos + 1, (long long) curpos + 1),
					 errhint("Add a column that breaks ties to the window's ORDER BY, such as an event id: ORDER BY ts, event_id.")));
		}
		if (gap_exceeded(st->prev, ts, gap,
						 get_fn_expr_argtype(fcinfo->flinfo, 0) == TIMESTAMPTZOID))
			st->session++;
	}
	st->prev = ts;
	st->prevpos = curpos;
	/* rows before the previous one are no longer needed */
	WinSetMarkPosition(winobj, curpos);
	PG_RETURN_INT64(st->session);
}
