/* orders_amount.c -- exact decimal parsing of order amounts. Works on the digits as text:
 * the value is D (all significant digits) with the decimal point moved by the exponent. */
#include "orders_amount.h"
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_EXPONENT 40

orders_amount_status_t
orders_amount_parse(const char *text, char *out, size_t size)
{
    if (!text || strlen(text) > ORDERS_AMOUNT_MAX_TEXT)
        return AMOUNT_NOT_A_NUMBER;
    const char *p = text;
    bool negative = false;
    if (*p == '-') {
        negative = true;
        p++;
    }
    /* JSON: an integer part of "0" or a non-zero digit followed by digits. */
    if (!isdigit((unsigned char) *p) || (p[0] == '0' && isdigit((unsigned char) p[1])))
        return AMOUNT_NOT_A_NUMBER;
    char digits[2 * ORDERS_AMOUNT_MAX_TEXT + 2 * MAX_EXPONENT + 8];
    size_t nd = 0;
    int int_len = 0;
    while (isdigit((unsigned char) *p)) {
        digits[nd++] = *p++;
        int_len++;
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char) *p))
            return AMOUNT_NOT_A_NUMBER;
        while (isdigit((unsigned char) *p))
            digits[nd++] = *p++;
    }
    int exponent = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        int sign = 1;
        if (*p == '+' || *p == '-')
            sign = (*p++ == '-') ? -1 : 1;
        if (!isdigit((unsigned char) *p))
            return AMOUNT_NOT_A_NUMBER;
        while (isdigit((unsigned char) *p)) {
            exponent = exponent * 10 + (*p++ - '0');
            if (exponent > MAX_EXPONENT)
                return sign > 0 ? AMOUNT_TOO_LARGE : AMOUNT_TOO_PRECISE;
        }
        exponent *= sign;
    }
    if (*p != '\0')
        return AMOUNT_NOT_A_NUMBER;
    digits[nd] = '\0';

    /* Position of the decimal point within DIGITS after the exponent. */
    int point = int_len + exponent;
    char int_part[ORDERS_AMOUNT_MAX_TEXT + MAX_EXPONENT + 4] = "";
    char frac_part[ORDERS_AMOUNT_MAX_TEXT + MAX_EXPONENT + 4] = "";
    size_t ni = 0, nf = 0;
    for (int i = 0; i < point; i++)
        int_part[ni++] = i < (int) nd ? digits[i] : '0';
    for (int i = point; i < (int) nd; i++)
        frac_part[nf++] = i < 0 ? '0' : digits[i];   /* zeros between point and digits */
    int_part[ni] = '\0';
    frac_part[nf] = '\0';

    /* Strip leading zeros of the integer part. */
    const char *ip = int_part;
    while (*ip == '0')
        ip++;
    bool any_nonzero = *ip != '\0';
    for (size_t i = 0; i < nf; i++)
        if (frac_part[i] != '0')
            any_nonzero = true;
    if (negative || !any_nonzero)
        return AMOUNT_NOT_POSITIVE;
    for (size_t i = 2; i < nf; i++)
        if (frac_part[i] != '0')
            return AMOUNT_TOO_PRECISE;
    char cents[3] = { nf > 0 ? frac_part[0] : '0', nf > 1 ? frac_part[1] : '0', '\0' };
    size_t int_digits = strlen(ip);
    /* 1e9 is the largest amount: 10 digits "1000000000" with zero cents. */
    if (int_digits > 10 || (int_digits == 10 && (strcmp(ip, "1000000000") > 0
                                                 || strcmp(cents, "00") != 0)))
        return AMOUNT_TOO_LARGE;
    if (snprintf(out, size, "%s.%s", int_digits ? ip : "0", cents) >= (int) size)
        return AMOUNT_TOO_LARGE;
    return AMOUNT_OK;
}

const char *
orders_amount_message(orders_amount_status_t status)
{
    switch (status) {
    case AMOUNT_OK:            return "";
    case AMOUNT_NOT_POSITIVE:  return "amount must be a positive number";
    case AMOUNT_TOO_LARGE:     return "amount must not be greater than 1000000000";
    case AMOUNT_TOO_PRECISE:   return "amount must have at most 2 decimal places";
    case AMOUNT_NOT_A_NUMBER:
    default:                   return "amount must be a number";
    }
}
