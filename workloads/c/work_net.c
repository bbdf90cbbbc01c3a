/* fetcher(): GET one URL `requests` times with libcurl. Easy interface (one handle per
 * worker, reused so keep-alive works) for the pull models, multi interface for the loops. */
#include "work_net.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

static size_t count_body(char *data, size_t size, size_t nmemb, void *transfer)
{
	(void)data;
	((struct transfer *)transfer)->body_bytes += size * nmemb;
	return size * nmemb;
}

static int transfer_init(struct transfer *t, const char *url)
{
	t->easy = curl_easy_init();
	if (!t->easy)
		return -1;
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, count_body);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);	/* threads: no SIGALRM timeouts */
	return 0;
}

/* Adds a finished request to the tally: 200s count as ok, every body counts as bytes. */
static void transfer_done(struct transfer *t, CURLcode rc, const char *url, struct partial *part)
{
	long status = 0;

	if (rc != CURLE_OK) {
		set_error(part, "GET %s: %s", url, curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	part->ok += status == 200;
	part->bytes += t->body_bytes;
}

/* Blocking GET on the worker's own handle, created on first use. */
void net_fetch(const struct job *job, struct transfer *worker_handle, struct partial *part)
{
	if (!worker_handle->easy && transfer_init(worker_handle, job->url) < 0) {
		set_error(part, "curl_easy_init failed");
		return;
	}
	worker_handle->body_bytes = 0;
	transfer_done(worker_handle, curl_easy_perform(worker_handle->easy), job->url, part);
}

static void net_wait_all(CURLM *multi, const struct job *job, struct partial *part)
{
	int running = 1, left;
	CURLMsg *msg;

	while (running) {
		CURLMcode rc = curl_multi_perform(multi, &running);
		if (rc == CURLM_OK && running)
			rc = curl_multi_poll(multi, NULL, 0, 1000, NULL);
		if (rc != CURLM_OK) {
			set_error(part, "curl multi: %s", curl_multi_strerror(rc));
			return;
		}
		while ((msg = curl_multi_info_read(multi, &left))) {
			struct transfer *t;

			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
			if (msg->msg == CURLMSG_DONE)
				transfer_done(t, msg->data.result, job->url, part);
		}
	}
}

/* Like asyncio.gather over aiohttp with no connection limit: every request in flight at once. */
void net_event_loop(const struct job *job, const struct share *share, struct partial *part)
{
	long count = share->first < job->tasks ? (job->tasks - share->first - 1) / share->stride + 1 : 0;
	struct transfer *transfers = calloc(count ? count : 1, sizeof(*transfers));
	CURLM *multi = curl_multi_init();

	if (!transfers || !multi)
		set_error(part, "net event loop: out of memory");
	for (long i = 0; !part->error[0] && i < count; i++) {
		if (transfer_init(&transfers[i], job->url) < 0)
			set_error(part, "curl_easy_init failed");
		else
			curl_multi_add_handle(multi, transfers[i].easy);
	}
	if (!part->error[0])
		net_wait_all(multi, job, part);
	for (long i = 0; transfers && i < count && transfers[i].easy; i++) {
		curl_multi_remove_handle(multi, transfers[i].easy);
		curl_easy_cleanup(transfers[i].easy);
	}
	curl_multi_cleanup(multi);
	free(transfers);
}
