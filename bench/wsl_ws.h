/* wsl_ws.h -- the client side of RFC 6455, as much as a load client needs: the upgrade
 * request, the 101 check, unmasked server frames, and masked pong / close replies. */
#ifndef BENCH_WSL_WS_H
#define BENCH_WSL_WS_H
#include <stddef.h>
#include <stdint.h>

enum { WSL_OP_CONT = 0, WSL_OP_TEXT = 1, WSL_OP_BINARY = 2, WSL_OP_CLOSE = 8, WSL_OP_PING = 9,
       WSL_OP_PONG = 10 };

typedef struct {
    int opcode;
    int fin;
    const char *payload;     /* points into the caller's buffer */
    size_t len;
} wsl_frame_t;

/* Writes the upgrade request for PATH on HOST (host:port) carrying TOKEN as a bearer header
 * into OUT. Returns its length, or -1 when SIZE is too small. */
int wsl_ws_request(char *out, size_t size, const char *host, const char *path,
                   const char *token);

/* Looks for the end of the handshake answer in DATA. Returns 1 with *USED (bytes of the
 * answer) and *STATUS set when it is complete, 0 when more bytes are needed, -1 when it
 * is not HTTP. A status other than 101 is the caller's to judge. */
int wsl_ws_answer(const char *data, size_t len, size_t *used, int *status);

/* Parses the frame at the start of DATA. Returns the bytes it takes (> 0) with *F filled,
 * 0 when incomplete, -1 when malformed (masked by the server, or over 16 MiB). */
long wsl_ws_frame(const char *data, size_t len, wsl_frame_t *f);

/* Writes a masked control frame OPCODE with PAYLOAD (at most 125 bytes) into OUT (at least
 * 131 bytes). Returns its length, or -1 when the payload is too long. */
int wsl_ws_control(char *out, int opcode, const char *payload, size_t len);

#endif
