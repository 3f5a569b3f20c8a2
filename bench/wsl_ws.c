/* wsl_ws.c -- RFC 6455 client framing for the load client. The server's Sec-WebSocket-Accept
 * is not verified: the peer is our own notify service, and a wrong upgrade would show up as
 * missing "ready" frames anyway. */
#define _GNU_SOURCE            /* memmem */
#include "wsl_ws.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
wsl_ws_request(char *out, size_t size, const char *host, const char *path, const char *token)
{
    /* The key only has to be 16 random-looking bytes in base64; the sample key of the RFC
     * serves every socket, since nothing here relies on the accept hash. */
    int n = snprintf(out, size,
                     "GET %s HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "Authorization: Bearer %s\r\n"
                     "\r\n",
                     path, host, token);
    return (n < 0 || (size_t) n >= size) ? -1 : n;
}

int
wsl_ws_answer(const char *data, size_t len, size_t *used, int *status)
{
    if (len >= 5 && memcmp(data, "HTTP/", 5) != 0)
        return -1;
    const char *end = memmem(data, len, "\r\n\r\n", 4);
    if (!end)
        return len > 8192 ? -1 : 0;
    const char *sp = memchr(data, ' ', (size_t) (end - data));
    if (!sp)
        return -1;
    *status = atoi(sp + 1);
    *used = (size_t) (end - data) + 4;
    return 1;
}

long
wsl_ws_frame(const char *data, size_t len, wsl_frame_t *f)
{
    if (len < 2)
        return 0;
    const unsigned char *p = (const unsigned char *) data;
    if (p[1] & 0x80)
        return -1;                       /* servers never mask (RFC 6455 5.1) */
    uint64_t plen = p[1] & 0x7f;
    size_t head = 2;
    if (plen == 126) {
        if (len < 4)
            return 0;
        plen = ((uint64_t) p[2] << 8) | p[3];
        head = 4;
    } else if (plen == 127) {
        if (len < 10)
            return 0;
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = (plen << 8) | p[2 + i];
        head = 10;
    }
    if (plen > (16u << 20))
        return -1;
    if (len - head < plen)
        return 0;
    f->fin = (p[0] & 0x80) != 0;
    f->opcode = p[0] & 0x0f;
    f->payload = data + head;
    f->len = (size_t) plen;
    return (long) (head + plen);
}

int
wsl_ws_control(char *out, int opcode, const char *payload, size_t len)
{
    if (len > 125)
        return -1;
    /* Clients must mask; the mask need not be secret for a load client. */
    static const unsigned char mask[4] = { 0x5a, 0xc3, 0x96, 0x3c };
    unsigned char *o = (unsigned char *) out;
    o[0] = (unsigned char) (0x80 | opcode);
    o[1] = (unsigned char) (0x80 | len);
    memcpy(o + 2, mask, 4);
    for (size_t i = 0; i < len; i++)
        o[6 + i] = (unsigned char) payload[i] ^ mask[i % 4];
    return (int) (6 + len);
}
