/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scope-bound cleanup, after systemd: a variable declared with _cleanup_(f) is passed
 * to f when it goes out of scope, so early returns cannot leak. TAKE_PTR hands an
 * object to the caller on success. A file uses these or a single `out:` label, not both.
 */
#ifndef BC_UTIL_CLEANUP_H
#define BC_UTIL_CLEANUP_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void bc_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(bc_freep)

static inline void bc_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ _cleanup_(bc_closep)

/* Defines type##_freep() for a destructor that accepts NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
	static inline void func##p(type *p)     \
	{                                       \
		if (*p)                         \
			func(*p);               \
	}

#define TAKE_PTR(ptr)                           \
	({                                      \
		__typeof__(ptr) _taken = (ptr); \
		(ptr) = NULL;                   \
		_taken;                         \
	})

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#endif
