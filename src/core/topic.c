/* topic.c -- the codes of the alert topics (see topic.h). */
#include "core/topic.h"

const char *const topic_codes[TOPIC_COUNT] = {"events", "trainings", "grants", "ideathon", "news"};
