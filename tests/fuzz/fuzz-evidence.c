/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for evidence files (bootchain-evidence(5)): parse, and when the file
 * parses, verify it as a verifier would, with a fixed AK, nonce, golden database and
 * SEV-SNP ARK and ASK. They are those of the seeds tests/data/evidence/swtpm-*.json
 * (made on swtpm and the simulated SEV-SNP provider, see the README there), so the seeds
 * pass every check and mutations reach the checks behind the signatures. Any crash,
 * hang, leak or sanitizer report is a bug: evidence comes from the machine being judged.
 * bc_verify_evidence must never fail on bad evidence (that is a failed check): an error
 * aborts, as does a result that passes with a check failed.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bootchain/attest.h>
#include <bootchain/golden.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* `bootchain attest ak create --out-pem` on the swtpm that made the seeds: NIST P-256 */
static const char ak_pem[] = "-----BEGIN PUBLIC KEY-----\n"
			     "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEBAjzqJS0v/XSq+SwKWSq3XJBX9jw\n"
			     "Gnue9PAPO9wUrSLLh14ulJ3eaepIAx/fLYXtr1cDVmeD6WbvhmHdbX2BhQ==\n"
			     "-----END PUBLIC KEY-----\n";

/* tests/tools/make-snp-certs.sh: the test ARK and ASK that the seed's VCEK chains to */
static const char ark_pem[] = "-----BEGIN CERTIFICATE-----\n"
			      "MIIEGzCCAs+gAwIBAgIBATBBBgkqhkiG9w0BAQowNKAPMA0GCWCGSAFlAwQCAgUA\n"
			      "oRwwGgYJKoZIhvcNAQEIMA0GCWCGSAFlAwQCAgUAogMCATAwejEUMBIGA1UECwwL\n"
			      "RW5naW5lZXJpbmcxCzAJBgNVBAYTAlVTMRQwEgYDVQQHDAtTYW50YSBDbGFyYTEL\n"
			      "MAkGA1UECAwCQ0ExHzAdBgNVBAoMFkFkdmFuY2VkIE1pY3JvIERldmljZXMxETAP\n"
			      "BgNVBAMMCEFSSy1UZXN0MCAXDTI2MTEyOTEyNTkzM1oYDzIwNTExMTIzMTI1OTMz\n"
			      "WjB6MRQwEgYDVQQLDAtFbmdpbmVlcmluZzELMAkGA1UEBhMCVVMxFDASBgNVBAcM\n"
			      "C1NhbnRhIENsYXJhMQswCQYDVQQIDAJDQTEfMB0GA1UECgwWQWR2YW5jZWQgTWlj\n"
			      "cm8gRGV2aWNlczERMA8GA1UEAwwIQVJLLVRlc3QwggEiMA0GCSqGSIb3DQEBAQUA\n"
			      "A4IBDwAwggEKAoIBAQDSpkSwiSLulrIbTwJqHmH5zuuhQ1OFD3iRRm+UzK+g6iPX\n"
			      "uEWoNxN1AjZZ45KX4uwCIfEPTtolIy/zPXoPpenVDlAxh4uvL2k48zgOQ2ENctc5\n"
			      "eqn8y5nj+bdg0kE/8Cixll4yT+COiuS4sNQF9RLbhOOZDfV+xxDZ3iBlXnHqJ6lh\n"
			      "A6kJ6cuRCE9klR7BWTl/zVAwtAPBEDcn1C+xdb0iPqRzP9vhtX8AnOp2FMptk/jb\n"
			      "WJMDKCgvcd0bVMPquifUofn9PPhti4mqMJX7a21PMnrlC40mkLMEzwL6a4qT3SHU\n"
			      "AeceNUwxm++WvhEAX5CtPyrrusmGrX34Z+bxw6f1AgMBAAGjQjBAMA8GA1UdEwEB\n"
			      "/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBQCuolWTwj5gaFs1vtH\n"
			      "FEblb2oN6DBBBgkqhkiG9w0BAQowNKAPMA0GCWCGSAFlAwQCAgUAoRwwGgYJKoZI\n"
			      "hvcNAQEIMA0GCWCGSAFlAwQCAgUAogMCATADggEBAIEXv02gosXMcbgBnU+my1xa\n"
			      "cagnd3FoAYLhXziq/MOTfZHxesMnnefqKya0PlbQJqcsk17iHqERV3Khuf/WV2Iy\n"
			      "cuolQ7+LU1/miJJsGrkErVrMHTqiMuuwjNWhZXBc1S6Wj5VvHe35k1pV7jEKghtA\n"
			      "Xh+9zqVMOo+phMmUrvSLJKd+D7BgXSGfEGPRpHjId9gdxVEoVdP+VirgiT2tLuUT\n"
			      "5PVOu7vC7OqTGhX3Ekn09AHg7/RBDMkvp6gpv/MWsnuXdF5an6XVemgZtSEeQFnh\n"
			      "a1s8r9/8DEwQi7irFwLOt1QMubXrY8zIuXrvSMlJxiaLBuk7vLgxmYYuPnHKBaQ=\n"
			      "-----END CERTIFICATE-----\n";

static const char ask_pem[] = "-----BEGIN CERTIFICATE-----\n"
			      "MIIEPDCCAvCgAwIBAgIBAjBBBgkqhkiG9w0BAQowNKAPMA0GCWCGSAFlAwQCAgUA\n"
			      "oRwwGgYJKoZIhvcNAQEIMA0GCWCGSAFlAwQCAgUAogMCATAwejEUMBIGA1UECwwL\n"
			      "RW5naW5lZXJpbmcxCzAJBgNVBAYTAlVTMRQwEgYDVQQHDAtTYW50YSBDbGFyYTEL\n"
			      "MAkGA1UECAwCQ0ExHzAdBgNVBAoMFkFkdmFuY2VkIE1pY3JvIERldmljZXMxETAP\n"
			      "BgNVBAMMCEFSSy1UZXN0MCAXDTI2MTEyOTEyNTkzM1oYDzIwNTExMTIzMTI1OTMz\n"
			      "WjB6MRQwEgYDVQQLDAtFbmdpbmVlcmluZzELMAkGA1UEBhMCVVMxFDASBgNVBAcM\n"
			      "C1NhbnRhIENsYXJhMQswCQYDVQQIDAJDQTEfMB0GA1UECgwWQWR2YW5jZWQgTWlj\n"
			      "cm8gRGV2aWNlczERMA8GA1UEAwwIU0VWLVRlc3QwggEiMA0GCSqGSIb3DQEBAQUA\n"
			      "A4IBDwAwggEKAoIBAQC2Xscl5zD0BJI29s9PQFcJCdOKSS11FUNStMdNPR5i/SuT\n"
			      "cQlwK0UxqvwC+tUlIdfF+bEM3mvRrrALKM5BcY9NNPKpY+nUVDDPCXTa2mUVtDO9\n"
			      "UX5wJ0v45jgVKczfsrabqBfeyHAe2KM2b5UUwynjMRG/7RLEhHMaNCC3JUE7B1X+\n"
			      "DlU1Gw7ZB02O7ve66432UPdPH4lWgSgDffbFuLhEcXhGxA0+9lY0tlzz9w7p3jFk\n"
			      "E1jXRGU81bras8SVMaoslkIizOvHgFpy2mBrAGm5YSvgpoKS1Vx58aPiwLxAKEUB\n"
			      "57gE9i1nR32r+063p9fdHw+YHnfUCpq8cFWH1vKdAgMBAAGjYzBhMA8GA1UdEwEB\n"
			      "/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBS6nz5Yc1Q758rQ+h9p\n"
			      "hgjAENhwhTAfBgNVHSMEGDAWgBQCuolWTwj5gaFs1vtHFEblb2oN6DBBBgkqhkiG\n"
			      "9w0BAQowNKAPMA0GCWCGSAFlAwQCAgUAoRwwGgYJKoZIhvcNAQEIMA0GCWCGSAFl\n"
			      "AwQCAgUAogMCATADggEBAJxz6Ab8kMvS8/KDBb5o+rcYy9CNS713PS875Yr5jk9V\n"
			      "74Vi28AvPmJ9vx0LklppgYm4QdIwoJUGEn0b7gwtgx7qQoQ3m4UrNZzWQMfNdAzg\n"
			      "BgPqvcl/9zgYBfiqIsPorkYEaFsfBM0Wm1jT6pOSw+1nzk1jx/ac1kkNOzmFCUcZ\n"
			      "z8VH9erEDkXCS0Z6IZ+cNMumEosXBWWBuxmnkt9drcZNS0+fKxzvy5If5phzPbOd\n"
			      "3uO/sEW/dv9JE788t4invfwBf4qgUlt9s+FVquUDziE8hqNRgvNBMYNrl9je+q1O\n"
			      "wKiIDnv8mjm1qaVOkJtJrxXb+1J68NdpGo2BgPr0Xto=\n"
			      "-----END CERTIFICATE-----\n";

static const uint8_t nonce[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
				0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13};

/* `bootchain golden create --chain` over the seeds' chain, sources left out */
static const struct {
	const char *name;
	unsigned pcr;
	const char *sha1, *sha256;
} components[] = {
    {"bios", 0, "770e07caee1a2afeec29c15ab49405f9a0c778f9",
     "67428052f681c8babfaccd3645f566378684ac6206829d40df498f233420241e"},
    {"bootloader", 4, "6f1731f6cb9eb126ec1633d019f445a654eac609",
     "a5ca196d515095973f87585586088ef88ac55f3b5fc1de23feb46e5adf9a8c24"},
    {"kernel", 8, "4d6050600e079dc7f3fada54c95a94cd7f986667",
     "88394f49a948a19bab9b18707e3ae530527b44873d330a6a4284ae4159084c92"},
    {"initrd", 9, "8969c127cd81b691dab015c3178b52b9d0116bc3",
     "d7932cfce8bb8aa112630f1fc2aa95eb6d4e85ca421fe0690122690355f1302a"},
};

/* the MEASUREMENT the simulated SEV-SNP provider put in the seed's Keep report */
static const char keep_measurement[] = "5621de661cff231c312f1e6dc6bc62c44c6f796d5a504b0c"
				       "dc290b2421be5fccaa930fff4f3163d8878479539550f014";

static bc_verify_key *key;
static bc_golden *golden;

static bc_golden *golden_new(void)
{
	char json[2048];
	size_t n = (size_t)snprintf(json, sizeof(json),
				    "{\"format\": \"bootchain-golden-v1\", \"components\": [");
	for (size_t i = 0; i < sizeof(components) / sizeof(components[0]); i++)
		n += (size_t)snprintf(json + n, sizeof(json) - n,
				      "%s{\"name\": \"%s\", \"pcr\": %u, \"event_type\": "
				      "\"EV_EVENT_TAG\", \"versions\": [{\"digests\": "
				      "{\"sha1\": \"%s\", \"sha256\": \"%s\"}}]}",
				      i ? ", " : "", components[i].name, components[i].pcr,
				      components[i].sha1, components[i].sha256);
	n += (size_t)snprintf(json + n, sizeof(json) - n,
			      "], \"keep\": {\"measurements\": [\"%s\"]}}", keep_measurement);
	bc_golden *db = NULL;
	if (n >= sizeof(json) || bc_golden_from_memory(json, n, "golden", &db, NULL) != BC_OK)
		abort();
	return db;
}

/* Once, on the first input: corpus-main.c calls no LLVMFuzzerInitialize. */
static void init(void)
{
	if (key)
		return;
	if (bc_verify_key_new((const uint8_t *)ak_pem, strlen(ak_pem), &key, NULL) != BC_OK)
		abort();
	golden = golden_new();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bc_evidence *ev = NULL;
	bc_verify_result res;
	init();
	if (bc_evidence_parse(data, size, "fuzz", &ev, NULL) != BC_OK)
		return 0;
	bc_verify_opts opts = {
	    .key = key,
	    .nonce = nonce,
	    .nonce_size = sizeof(nonce),
	    .golden = golden,
	    .keep_ark = (const uint8_t *)ark_pem,
	    .keep_ark_size = strlen(ark_pem),
	    .keep_ask = (const uint8_t *)ask_pem,
	    .keep_ask_size = strlen(ask_pem),
	};
	if (bc_verify_evidence(ev, &opts, &res, NULL) != BC_OK)
		abort(); /* bad evidence is a failed check, never an error */
	for (int c = 0; c < BC_CHECK_COUNT; c++)
		if (res.status[c] == BC_CHECK_FAIL && res.pass)
			abort(); /* a failed check, and yet a pass */
	bc_verify_result_free(&res);
	bc_evidence_free(ev);
	return 0;
}
