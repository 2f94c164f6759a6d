#ifndef CMICROHTTPDSHIM_H
#define CMICROHTTPDSHIM_H

#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>

/// Everything `CMicroHTTPDShim_start` passes to MHD_start_daemon as options.
/// Zero means "microhttpd's default" for every numeric field.
typedef struct CMicroHTTPDShim_Options {
    const char *bind_host;            // numeric IPv4 or IPv6 address; NULL = all interfaces
    uint16_t port;                    // 0 = ephemeral
    unsigned int thread_pool_size;    // MHD polling threads; <= 1 means one internal thread
    unsigned int connection_timeout;  // idle seconds before a connection is closed
    unsigned int connection_limit;
    unsigned int per_ip_connection_limit;  // 0 = unlimited
    size_t connection_memory_limit;   // per-connection pool (read buffer) bytes
    const char *tls_key_pem;          // both NULL: plain HTTP
    const char *tls_cert_pem;
    int use_epoll;                    // 1: MHD_USE_EPOLL (Linux)
    MHD_NotifyConnectionCallback notify_connection;  // NULL: none
    void *notify_connection_cls;
} CMicroHTTPDShim_Options;

/// Starts a daemon. Exists because MHD_start_daemon is variadic, which Swift cannot call.
/// Returns NULL on failure; *error_out then holds a static description.
struct MHD_Daemon *CMicroHTTPDShim_start(const CMicroHTTPDShim_Options *options,
                                         MHD_AccessHandlerCallback handler, void *handler_cls,
                                         MHD_RequestCompletedCallback completed, void *completed_cls,
                                         const char **error_out);

/// The port the daemon is bound to. Exists because MHD_get_daemon_info is variadic.
uint16_t CMicroHTTPDShim_port(struct MHD_Daemon *daemon);

/// Whether this libmicrohttpd was built with TLS. Wraps an enum-typed call so Swift needs no MHD_FEATURE value.
int CMicroHTTPDShim_has_tls(void);

/// The client's socket, so a worker can notice a client that left. Exists because MHD_get_connection_info is variadic.
int CMicroHTTPDShim_connection_fd(struct MHD_Connection *connection);

#endif
