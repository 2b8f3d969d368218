# ecomai: PGXS build.
#
#   make && sudo make install          build and install into the PostgreSQL that pg_config names
#   make installcheck                  the pg_regress tests (sql/, expected/) against a running server
#   make prove_installcheck            the pgTAP tests (test/*.sql) through pg_prove, likewise
#   tools/test.sh                      both, and the suite's own scripts, on a throwaway cluster
#   tools/install-deps.sh              the Debian packages the build and the tests need
#   tools/demo.sh                      the demo shop on a throwaway cluster
#
# The install script of the current version, ecomai--$(EXTVERSION).sql, is generated from the
# pieces in src/sql/ (one per concern, concatenated in name order), so that each feature keeps
# its SQL next to its C code.  Released versions are frozen: ecomai--0.1.0.sql and
# ecomai--0.2.0.sql are the install scripts as released, and ecomai--A--B.sql the steps between
# releases.  The step to the version in development, ecomai--$(PREVVERSION)--$(EXTVERSION).sql, is
# generated too: the pieces in src/sql/update/ (the DROPs and ALTERs of existing objects that
# have no install counterpart, in name order), then every install piece whose first line is
# "-- since $(EXTVERSION)": the objects new in this version or defined anew by it, created by the
# step exactly as by a fresh install (CREATE OR REPLACE where the old object is kept, so that
# views over it survive), so that no update text repeats install text.  test/upgrade.sql checks
# that every released version plus the steps gives exactly the objects of a fresh install.
# The pieces' macros (-- @template NAME, -- @each ... -- @end) are expanded on the way by
# tools/sql-expand.awk, from the templates in src/sql/templates/: declarations that PostgreSQL
# needs once per type (base-type I/O, operator classes, aggregates) are written once.

EXTENSION    = ecomai
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" ecomai.control)
PREVVERSION  = 0.2.0
MODULE_big   = ecomai
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA_built   = ecomai--$(EXTVERSION).sql ecomai--$(PREVVERSION)--$(EXTVERSION).sql
DATA         = $(filter-out $(DATA_built),$(wildcard ecomai--*.sql))
REGRESS      = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=ecomai
EXTRA_CLEAN  = results regression.diffs regression.out $(addsuffix .tmp,$(DATA_built))

PG_CONFIG ?= pg_config

# make prove_installcheck [PROVE_TESTS="test/a.sql test/b.sql"]: the pgTAP tests through pg_prove,
# against the server that PGHOST/PGPORT/PGUSER name (as installcheck), in a database
# $(PROVE_DB) created afresh with pgtap and ecomai.  ECOMAI_TEST_DATA (the shared public data,
# optional) becomes the setting ecomai_test.data_dir that data-driven tests read.  The exit
# status is pg_prove's; its summary is printed as it gives it.
PG_PROVE     ?= pg_prove
PROVE_DB     ?= ecomai_tap
PROVE_TESTS  ?= $(sort $(wildcard test/*.sql))
PROVE_FLAGS  ?=
ECOMAI_TEST_DATA ?=

OPENBLAS_CFLAGS := $(shell pkg-config --cflags openblas)
OPENBLAS_LIBS   := $(shell pkg-config --libs openblas)

# Portable by default: no -march=native unless the builder asks for it through OPTFLAGS.
OPTFLAGS ?=
PG_CPPFLAGS = -I$(srcdir)/src $(OPENBLAS_CFLAGS)
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -ftree-vectorize $(OPTFLAGS) \
              $(if $(WERROR),-Werror)
SHLIB_LINK  = $(OPENBLAS_LIBS) -lm

# make SANITIZE=1: AddressSanitizer + UndefinedBehaviorSanitizer (tools/sanitize.sh runs the suite
# with the server started under the ASan runtime).
ifdef SANITIZE
PG_CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1
SHLIB_LINK += -fsanitize=address,undefined
endif

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The scripts are written to a .tmp file first: a failed expansion leaves no script behind.
INSTALL_PIECES = $(sort $(wildcard src/sql/*.sql))
UPDATE_PIECES  = $(sort $(wildcard src/sql/update/*.sql))
SQL_TEMPLATES  = $(sort $(wildcard src/sql/templates/*.sql))
EXPAND_SQL     = awk -v templates=src/sql/templates -f tools/sql-expand.awk

ecomai--$(EXTVERSION).sql: $(INSTALL_PIECES) $(SQL_TEMPLATES) tools/sql-expand.awk ecomai.control
	{ echo "-- ecomai $(EXTVERSION) install script, generated from src/sql/*.sql by the Makefile."; \
	  echo "-- complain if script is sourced in psql, rather than via CREATE EXTENSION"; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION ecomai" to load this file. \quit'; \
	  $(EXPAND_SQL) $(INSTALL_PIECES); } > $@.tmp && mv $@.tmp $@

$(OBJS): $(wildcard src/*.h)

NEW_PIECES = $(shell grep -l '^-- since $(EXTVERSION)$$' $(INSTALL_PIECES) /dev/null)

ecomai--$(PREVVERSION)--$(EXTVERSION).sql: $(UPDATE_PIECES) $(INSTALL_PIECES) $(SQL_TEMPLATES) tools/sql-expand.awk ecomai.control
	{ echo "-- ecomai $(PREVVERSION) -> $(EXTVERSION), generated from src/sql/update/*.sql and the pieces new in $(EXTVERSION)."; \
	  echo "-- complain if script is sourced in psql, rather than via ALTER EXTENSION"; \
	  printf '%s\n' '\echo Use "ALTER EXTENSION ecomai UPDATE TO '"'"'$(EXTVERSION)'"'"'" to load this file. \quit'; \
	  $(EXPAND_SQL) $(UPDATE_PIECES) $(NEW_PIECES); } > $@.tmp && mv $@.tmp $@

PSQL = $(shell $(PG_CONFIG) --bindir)/psql -X -q -v ON_ERROR_STOP=1

.PHONY: prove_installcheck
prove_installcheck:
	$(PSQL) -d postgres -c 'SET client_min_messages = warning' -c 'DROP DATABASE IF EXISTS $(PROVE_DB)' -c 'CREATE DATABASE $(PROVE_DB)'
	$(PSQL) -d $(PROVE_DB) -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION ecomai' \
		-c "ALTER DATABASE $(PROVE_DB) SET ecomai_test.data_dir = '$(ECOMAI_TEST_DATA)'"
	cd $(srcdir) && $(PG_PROVE) $(PROVE_FLAGS) -d $(PROVE_DB) $(PROVE_TESTS)
