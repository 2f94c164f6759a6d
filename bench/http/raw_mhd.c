/* The reference for the HTTP benchmark: libmicrohttpd alone, answering every POST with a canned
 * body of the size the real service returns. Same library, same epoll internal thread, no
 * parsing, no compute, no suspend/resume: what the transport costs by itself.
 * Usage: raw_mhd PORT RESPONSE_FILE */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct MHD_Response *canned;

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *data, size_t *size, void **state) {
    (void)cls; (void)url; (void)method; (void)version; (void)data;
    if (*state == NULL) { *state = (void *)1; return MHD_YES; }
    if (*size > 0) { *size = 0; return MHD_YES; }  /* read and drop the body */
    return MHD_queue_response(c, MHD_HTTP_OK, canned);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: raw_mhd PORT RESPONSE_FILE\n"); return 2; }
    FILE *f = fopen(argv[2], "rb");
    if (!f) { perror("response"); return 1; }
    fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    char *body = malloc((size_t)n);
    if (fread(body, 1, (size_t)n, f) != (size_t)n) return 1;
    fclose(f);
    canned = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(canned, "Content-Type", "application/json");
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
                                            (unsigned short)atoi(argv[1]), NULL, NULL, handler, NULL,
                                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
                                            MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!d) { fprintf(stderr, "start failed\n"); return 1; }
    sigset_t set; sigemptyset(&set); sigaddset(&set, SIGTERM); sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig; sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
