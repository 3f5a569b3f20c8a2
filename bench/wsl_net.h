/* wsl_net.h -- sockets and process facts for the load client: ws:// URLs, non-blocking
 * connects, whole writes, and a process's resident memory. */
#ifndef BENCH_WSL_NET_H
#define BENCH_WSL_NET_H
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Splits "ws://HOST:PORT/PATH" (or "HOST:PORT" with PATH_DEFAULT) into an IPv4 address,
 * the Host header value and the path. Returns 0, or -1 when it is not of that form or
 * HOST is not a numeric IPv4 address (everything runs on 127.0.0.1). */
int wsl_url_parse(const char *url, const char *path_default, struct sockaddr_in *addr,
                  char *host, size_t host_size, char *path, size_t path_size);

/* A new non-blocking TCP socket connecting to ADDR (connect in progress or done), or -1.
 * SOURCE (or NULL): the local address to connect from, e.g. 127.0.0.12, so that several
 * load processes do not share one address's ephemeral ports. */
int wsl_connect_nb(const struct sockaddr_in *addr, const struct in_addr *source);

/* Writes all LEN bytes of BUF on the non-blocking FD. Returns 0, or -1 when the socket
 * failed or could not take everything at once (a fresh request never fills the send buffer,
 * so the client treats that as a failure instead of queueing). */
int wsl_send_all(int fd, const char *buf, size_t len);

/* Monotonic nanoseconds. */
int64_t wsl_now_ns(void);

/* Resident memory (VmRSS) in KiB of the process whose PID is the first word of PID_FILE
 * (the stack's run/<name>.pid). Returns -1 when the file or process is gone. */
long wsl_rss_kib(const char *pid_file);

/* CPU time (user + system, clock ticks) of the process named by PID_FILE, or -1. */
long long wsl_cpu_ticks(const char *pid_file);

#endif
