/* fetcher(): GET one URL `requests` times with libcurl. Easy interface (one handle per
 * worker, reused so keep-alive works) for the pull models, multi interface for the loops. */
#ifndef WORK_NET_H
#define WORK_NET_H

#include <curl/curl.h>
#include <stdint.h>
#include "job.h"

/* One request's handle and the body bytes it received. */
struct transfer {
	CURL *easy;
	uint64_t body_bytes;
};

/* One GET with the worker's easy handle (made at its first request, reused for keep-alive). */
void net_fetch(const struct job *job, struct transfer *worker_handle, struct partial *part);
/* This worker's share of the requests, all in flight at once on one multi handle. */
void net_event_loop(const struct job *job, const struct share *share, struct partial *part);

#endif
