#include "CMicroHTTPDShim.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

struct MHD_Daemon *CMicroHTTPDShim_start(const CMicroHTTPDShim_Options *o,
                                         MHD_AccessHandlerCallback handler, void *handler_cls,
                                         MHD_RequestCompletedCallback completed, void *completed_cls,
                                         const char **error_out) {
    // The socket address must outlive MHD_start_daemon only; MHD binds inside it.
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    const struct sockaddr *addr = NULL;
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (o->use_epoll) flags |= MHD_USE_EPOLL;

    if (o->bind_host != NULL && o->bind_host[0] != '\0') {
        memset(&v4, 0, sizeof v4);
        memset(&v6, 0, sizeof v6);
        if (inet_pton(AF_INET, o->bind_host, &v4.sin_addr) == 1) {
            v4.sin_family = AF_INET;
            v4.sin_port = htons(o->port);
            addr = (const struct sockaddr *)&v4;
        } else if (inet_pton(AF_INET6, o->bind_host, &v6.sin6_addr) == 1) {
            v6.sin6_family = AF_INET6;
            v6.sin6_port = htons(o->port);
            addr = (const struct sockaddr *)&v6;
            flags |= MHD_USE_IPv6;
        } else {
            if (error_out) *error_out = "host is not a numeric IPv4 or IPv6 address";
            return NULL;
        }
    }

    struct MHD_OptionItem opts[16];
    int n = 0;
    if (addr != NULL) opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, (void *)addr};
    // Two-pointer option: the function goes in .value, its closure in .ptr_value (checked in daemon.c).
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, completed_cls};
    if (o->notify_connection != NULL)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)o->notify_connection,
                                            o->notify_connection_cls};
    if (o->thread_pool_size > 1)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)o->thread_pool_size, NULL};
    if (o->connection_timeout > 0)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)o->connection_timeout, NULL};
    if (o->connection_limit > 0)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)o->connection_limit, NULL};
    if (o->per_ip_connection_limit > 0)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)o->per_ip_connection_limit, NULL};
    if (o->connection_memory_limit > 0)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)o->connection_memory_limit, NULL};
    if (o->tls_key_pem != NULL && o->tls_cert_pem != NULL) {
        flags |= MHD_USE_TLS;
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key_pem};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert_pem};
    }
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    struct MHD_Daemon *d = MHD_start_daemon(flags, o->port, NULL, NULL, handler, handler_cls,
                                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (d == NULL && error_out) *error_out = "MHD_start_daemon failed (port in use, bad TLS material, or no resources)";
    return d;
}

uint16_t CMicroHTTPDShim_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

int CMicroHTTPDShim_has_tls(void) {
    return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

int CMicroHTTPDShim_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}
