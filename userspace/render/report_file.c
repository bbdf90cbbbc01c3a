/* report.json's text: the model and its explanation (report_file.h). */
#include "render/report_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analyze/findings.h"
#include "base/outdir.h"
#include "model/report_json.h"

char *report_text(const struct run_model *m)
{
	json_t *root = model_to_json(m);
	char *text;

	json_object_set_new(root, "explanation", explain_to_json(m));
	text = json_dumps(root, JSON_INDENT(1) | JSON_COMPACT);
	json_decref(root);
	return text;
}

int report_write(const char *path, const struct run_model *m)
{
	char *text = report_text(m);
	int rc;

	if (!text)
		return -ENOMEM;
	rc = write_file_atomic(path, text, strlen(text));
	free(text);
	return rc;
}
