/*
 * name_hash.h
 *	  A simplehash table from NUL-terminated names to int32 indexes, the one
 *	  string-keyed dictionary of ecomai (the BIF and structure parsers'
 *	  name index in bif.c, mf_fit's key dictionaries, cooccurrence's text
 *	  item keys).  The table does not copy names: the caller keeps each one
 *	  alive as long as the table (or stores a copy in the entry after an
 *	  insert).  Functions are static inline, one copy per including file,
 *	  as PostgreSQL's own simplehash users do.
 *
 *		EcomaiNameEntry *e = ecomai_names_insert(tab, name, &found);
 *		if (!found) { e->name = copy of name; e->index = next index; }
 */
#ifndef ECOMAI_NAME_HASH_H
#define ECOMAI_NAME_HASH_H

#include "postgres.h"

#include "common/hashfn.h"

typedef struct EcomaiNameEntry
{
	const char *name;
	uint32		hash;
	int32		index;
	char		status;
} EcomaiNameEntry;

#define SH_PREFIX ecomai_names
#define SH_ELEMENT_TYPE EcomaiNameEntry
#define SH_KEY_TYPE const char *
#define SH_KEY name
#define SH_HASH_KEY(tb, key) hash_bytes((const unsigned char *) (key), strlen(key))
#define SH_EQUAL(tb, a, b) (strcmp((a), (b)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

#endif							/* ECOMAI_NAME_HASH_H */
