/* report.json's text: the model and its explanation (report_file.h). */
#include "render/report_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/findings.h"
#include "base/outdir.h"
#include "model/report_json.h"
#include "model/timeline_file.h"

char *report_text(const struct run_model *m)
{
	json_t *root = model_to_json(m);
	char *text;

	json_object_set_new(root, "explanation", explain_to_json(m));
	/* one line: indentation was a quarter of a busy run's report, the stacks most of the rest */
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

/* The timeline file beside PATH, when M has a timeline: 0 or -errno. */
static int write_timeline_beside(const char *path, const struct run_model *m)
{
	const char *slash = strrchr(path, '/');
	char file[4096], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (!m->timeline.recorded)
		return 0;
	snprintf(file, sizeof(file), "%.*s%s", slash ? (int)(slash - path + 1) : 0, path, TIMELINE_FILE_NAME);
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	rc = timeline_file_write(&m->timeline, f);
	if (fclose(f) || rc)
		rc = -EIO;
	else
		rc = write_file_atomic(file, buf, len);
	free(buf);
	return rc;
}

int report_write(const char *path, const struct run_model *m)
{
	char *text;
	int rc = write_timeline_beside(path, m);

	if (rc)
		return rc;
	text = report_text(m);
	if (!text)
		return -ENOMEM;
	rc = write_file_atomic(path, text, strlen(text));
	free(text);
	return rc;
}
