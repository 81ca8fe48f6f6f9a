/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The enrolment of one machine over HTTP (internal to libbootchain), shared by `attest
 * enrol` (which writes a record) and `fleet enrol` (which stores it): GET /v1/identity,
 * the checks of bc_enrolment_check_identity(), a credential challenge for the AK under
 * the EK, POST /v1/activate, the secret compared.
 */
#ifndef BC_FLEET_ENROL_H
#define BC_FLEET_ENROL_H

#include <stdbool.h>

#include <curl/curl.h>

#include <bootchain/enrolment.h>

/* How to reach the machines; the caller owns the handle and the header lists. */
typedef struct bc_enrol_client {
	CURL *easy;
	struct curl_slist *headers;	 /* of a GET (bc_http_headers) */
	struct curl_slist *post_headers; /* the same and "Content-Type: application/json" */
	const char *cacert;		 /* the CA of the servers' HTTPS certificates, or NULL */
	long timeout_ms;		 /* for each request */
} bc_enrol_client;

/* What became of one machine. */
typedef enum bc_enrol_outcome {
	BC_ENROL_DONE,
	BC_ENROL_REFUSED, /* the machine failed a check */
	BC_ENROL_ERROR,	  /* it could not be reached, or any other error */
} bc_enrol_outcome;

typedef struct bc_enrol_result {
	char host[256]; /* HOST[:PORT] of the URL; empty when the URL is not one */
	bc_enrol_outcome outcome;
	char reason[1024]; /* why not BC_ENROL_DONE; may quote the server: untrusted */
	bc_enrolment rec;  /* when BC_ENROL_DONE: host, url and time filled in */
} bc_enrol_result;

/* Enrol the machine that `attest serve` serves at url, its EK certificate checked
 * against store (allow_uncertified: one without a certificate is enrolled all the
 * same). The outcome is in *r, never a status: one machine's failure is not the
 * caller's. */
void bc_enrol_url(const bc_enrol_client *c, const bc_ca_store *store, bool allow_uncertified,
		  const char *url, bc_enrol_result *r);

#endif
