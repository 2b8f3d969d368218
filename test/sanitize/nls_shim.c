/*
 * nls_shim.c
 *	  Preloaded with the AddressSanitizer runtime when the server runs under
 *	  tools/sanitize.sh.  With glibc 2.36 and a preloaded ASan runtime, every
 *	  PostgreSQL program deadlocks in bindtextdomain() at startup (on glibc's
 *	  _nl_state_lock); message translation is not needed for the tests, so this
 *	  stand-in makes bindtextdomain() a no-op.
 */
char	   *bindtextdomain(const char *domain, const char *dir);

char *
bindtextdomain(const char *domain, const char *dir)
{
	(void) domain;
	return (char *) dir;
}
