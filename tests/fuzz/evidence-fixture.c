/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the seeds tests/data/evidence/swtpm-*.json were made with (see the README
 * there): the AK, the nonce, the golden database of their chain and the test SEV-SNP
 * ARK and ASK. Shared by the evidence fuzz targets.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/evidence-fixture.h"

/* `bootchain attest ak create --out-pem` on the swtpm that made the seeds: NIST P-256 */
static const char ak_pem[] = "-----BEGIN PUBLIC KEY-----\n"
			     "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6+zTGEkyP4NbVrmkiYgIjnnZieDG\n"
			     "z3Miqc+NHeXm+uf/ICHFXAGdJ3uy6k4KOlse6920ubNx/3x4TCwFyjIn0w==\n"
			     "-----END PUBLIC KEY-----\n";

/* tests/tools/make-snp-certs.sh: the test ARK and ASK that the seed's VCEK chains to */
const char fixture_ark_pem[] = "-----BEGIN CERTIFICATE-----\n"
			       "MIIEGzCCAs+gAwIBAgIBATBBBgkqhkiG9w0BAQowNKAPMA0GCWCGSAFlAwQCAgUA\n"
			       "oRwwGgYJKoZIhvcNAQEIMA0GCWCGSAFlAwQCAgUAogMCATAwejEUMBIGA1UECwwL\n"
			       "RW5naW5lZXJpbmcxCzAJBgNVBAYTAlVTMRQwEgYDVQQHDAtTYW50YSBDbGFyYTEL\n"
			       "MAkGA1UECAwCQ0ExHzAdBgNVBAoMFkFkdmFuY2VkIE1pY3JvIERldmljZXMxETAP\n"
			       "BgNVBAMMCEFSSy1UZXN0MCAXDTI2MTIwMjAwMjM1NVoYDzIwNTExMTI2MDAyMzU1\n"
			       "WjB6MRQwEgYDVQQLDAtFbmdpbmVlcmluZzELMAkGA1UEBhMCVVMxFDASBgNVBAcM\n"
			       "C1NhbnRhIENsYXJhMQswCQYDVQQIDAJDQTEfMB0GA1UECgwWQWR2YW5jZWQgTWlj\n"
			       "cm8gRGV2aWNlczERMA8GA1UEAwwIQVJLLVRlc3QwggEiMA0GCSqGSIb3DQEBAQUA\n"
			       "A4IBDwAwggEKAoIBAQCvi7z97SuaWxUORIJK6DdHgmPemRxPDrlmo1JscC0XkFRS\n"
			       "lKPCftWNWlNvaPcy7ths3upXScif4CdsBaZEJU1UdQO0hnVaiszJhoA2Nic4ROPv\n"
			       "fCEqg1/lPN41SOCYYGq6eLSdN8OvQirDnrKBfoJ2rHffAeCjTnsD3KdotFodp5Wf\n"
			       "ipIYVf+Mt7wY1kBKIwH77fU8RSAbKB4bLJinOVftx/sN/n34OTJzSJEs1Q0iHLl2\n"
			       "lMbSFV5N2DBV/cN9CodUaNOldogPBhNxZPc9phQ/SWvPv5Vkb/giVq9NJ8fpZGdO\n"
			       "/nYoo3laog9v8Hhtui1KTDVNIDfoOazs/DmlLqO5AgMBAAGjQjBAMA8GA1UdEwEB\n"
			       "/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBRhpMwYxEbCTCScgnKF\n"
			       "GG48er0ZijBBBgkqhkiG9w0BAQowNKAPMA0GCWCGSAFlAwQCAgUAoRwwGgYJKoZI\n"
			       "hvcNAQEIMA0GCWCGSAFlAwQCAgUAogMCATADggEBAIuE73nWb6HO6HF267KrH26s\n"
			       "QnhFmxC9OE8Zn0JJRbofSNuTOFKgP5WJTDipbJco+iNPtmdaZ0bjTAqJm8RlJKv/\n"
			       "x4QVMqDLAV+SGCb44ZqoTnldTRJs6IulIk+THB4N7/353NjZcWKzmKymBkFqHNGJ\n"
			       "/+DkVHSResQyCMgngd2EgwQP8D1D8KW0dgbLz+KKue2zTvo95zPjPFnAxTDWk+zB\n"
			       "tXSSZ282AsOhMtn8hrwCQyszrf9bIPWtLYw8ABRpKEXRUTOt3KkTO+sooyjpHjak\n"
			       "OeeWcFuMZKwV6Ccfv0LaN3jNyW/OLfz87FkqUuB7xwrKAkiiJgGPGgNeUCPHV3s=\n"
			       "-----END CERTIFICATE-----\n";

const char fixture_ask_pem[] = "-----BEGIN CERTIFICATE-----\n"
			       "MIIEPDCCAvCgAwIBAgIBAjBBBgkqhkiG9w0BAQowNKAPMA0GCWCGSAFlAwQCAgUA\n"
			       "oRwwGgYJKoZIhvcNAQEIMA0GCWCGSAFlAwQCAgUAogMCATAwejEUMBIGA1UECwwL\n"
			       "RW5naW5lZXJpbmcxCzAJBgNVBAYTAlVTMRQwEgYDVQQHDAtTYW50YSBDbGFyYTEL\n"
			       "MAkGA1UECAwCQ0ExHzAdBgNVBAoMFkFkdmFuY2VkIE1pY3JvIERldmljZXMxETAP\n"
			       "BgNVBAMMCEFSSy1UZXN0MCAXDTI2MTIwMjAwMjM1NVoYDzIwNTExMTI2MDAyMzU1\n"
			       "WjB6MRQwEgYDVQQLDAtFbmdpbmVlcmluZzELMAkGA1UEBhMCVVMxFDASBgNVBAcM\n"
			       "C1NhbnRhIENsYXJhMQswCQYDVQQIDAJDQTEfMB0GA1UECgwWQWR2YW5jZWQgTWlj\n"
			       "cm8gRGV2aWNlczERMA8GA1UEAwwIU0VWLVRlc3QwggEiMA0GCSqGSIb3DQEBAQUA\n"
			       "A4IBDwAwggEKAoIBAQCnu7HbWUzDrfTWUdiJtlLhn8Bt/RE9aHEKcHBPe31BFxmK\n"
			       "Zphz7Ya2vQR9DIWt+JcdSyl4HxI1g2jGDQNySSUbBqrdlTfiE/9ACFdA68PDlpe/\n"
			       "+4RivqXYYHo1PfuzGaGLV/NVPSSNnbks7eMt3ee1PdLfu25dS5R/kd7cUP4skIyG\n"
			       "5zPp0JJJ7/o2ojV1tLVAO1GMdRwwz+8q3EUsOoFrtDSZLBNovYkIx7kz0xCYgQCh\n"
			       "PfKOzdKG3/bX9NagTHkplqKY0mq6vLnHZvMXVIj2p6cFKn3rxJVakeqq/ArSHa1M\n"
			       "a1eMBMxZ2LOeSFSz9+K4m1abuNop2Z1E3q/DlqEPAgMBAAGjYzBhMA8GA1UdEwEB\n"
			       "/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBStXFA330j/ZgySxOwh\n"
			       "TUKZV9TA9TAfBgNVHSMEGDAWgBRhpMwYxEbCTCScgnKFGG48er0ZijBBBgkqhkiG\n"
			       "9w0BAQowNKAPMA0GCWCGSAFlAwQCAgUAoRwwGgYJKoZIhvcNAQEIMA0GCWCGSAFl\n"
			       "AwQCAgUAogMCATADggEBAHLbWbp8m4sFdUieXNlqmnAkRl1D9611tqT6KV0TRq2/\n"
			       "du1dvoLRtUuSFxx1GDo4BFP9jOEpojrB4pzRLmGr/4xniEb0pdq9718Pez/FVOj1\n"
			       "k0fdfRgkFRoxTzdIcQOxHPq1FKIkEtNbY0Aj7TiDjKorCdG38wTGpRnvRPzmvFmB\n"
			       "123PFATlmfbt2Fmn34QHBIryLJYE3HNs+2dJ00gnDmli1alO6LpqZj6OG/xYM8Su\n"
			       "sqNVLlu+MpgmMBVMOWcew5aKxDERMGiSCRiQSwiwgwvtXJnS8o8gafmldbT80ksZ\n"
			       "S1J57tf9hawuUG0bUi2dzm2N3SajVXwXAc205160Zyg=\n"
			       "-----END CERTIFICATE-----\n";

const uint8_t fixture_nonce[20] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
				   0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13};

/* `bootchain golden create --chain` over the seeds' chain, sources and boot order left
 * out */
static const struct {
	const char *name;
	unsigned pcr;
	const char *sha1, *sha256;
} components[] = {
    {"bios", 0, "891a660075041670c35d9fd66f91b9ea87031344",
     "9dd0452ffa890934024dbec73eb5efe487350e81742f5168a9960c7a679dea26"},
    {"bootloader", 4, "62576bd9bd36d834323d9c26a285097f4ac43923",
     "e2f1fd2fd176cec41894c2a69a6e70a7e05d56a3bd776ed67f5b82591d74fac3"},
    {"kernel", 8, "5a312159bbd25f8d5f0d7befbc7ed32b0dd26596",
     "5e0c0bee9653a83520d23bb525a26c249f358ab24c8e79de0ffe389fd8cc71a0"},
    {"initrd", 9, "e388b3ddb474db7352d2dcec60c9fa3e116ad008",
     "c2162553831d42abeaa2d26674756883f914753b2aad5ded57fee74be644e998"},
};

/* the MEASUREMENT the simulated SEV-SNP provider put in the seed's Keep report: SHA-384
 * of "bootchain fuzz keep" */
static const char keep_measurement[] = "5621de661cff231c312f1e6dc6bc62c44c6f796d5a504b0c"
				       "dc290b2421be5fccaa930fff4f3163d8878479539550f014";

bc_golden *fixture_golden(bool with_keep)
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
	if (with_keep)
		n += (size_t)snprintf(json + n, sizeof(json) - n,
				      "], \"keep\": {\"measurements\": [\"%s\"]}}",
				      keep_measurement);
	else
		n += (size_t)snprintf(json + n, sizeof(json) - n, "]}");
	bc_golden *db = NULL;
	if (n >= sizeof(json) || bc_golden_from_memory(json, n, "golden", &db, NULL) != BC_OK)
		abort();
	return db;
}

bc_verify_key *fixture_key(void)
{
	bc_verify_key *key = NULL;
	/* a PEM key: checked elsewhere, as the AK that `attest ak create` made on swtpm */
	if (bc_verify_key_new((const uint8_t *)ak_pem, strlen(ak_pem), BC_VERIFY_KEY_PEM_CHECKED,
			      &key, NULL) != BC_OK)
		abort();
	return key;
}
