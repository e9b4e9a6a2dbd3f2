//! Header names and the encoding of header values.
//!
//! `PAYMENT-REQUIRED`, `PAYMENT-SIGNATURE` and `PAYMENT-RESPONSE` carry
//! `base64(JSON)` as in x402 v2 (RFC 4648 standard alphabet; `=` padding written,
//! optional when read). HTTP header names are case-insensitive; the constants are the
//! lowercase forms HTTP/2 requires.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::{de::DeserializeOwned, Serialize};

/// Response header of a `402`: base64 of a [`crate::PaymentRequired`].
pub const PAYMENT_REQUIRED: &str = "payment-required";
/// Request header of a paid call: base64 of a [`crate::PaymentPayload`].
pub const PAYMENT_SIGNATURE: &str = "payment-signature";
/// Response header of a paid call: base64 of a [`crate::PaymentResponse`].
pub const PAYMENT_RESPONSE: &str = "payment-response";
/// Request header naming a channel (decimal id) whose status the challenge should
/// include, e.g. on the first call after a restart of the client.
pub const PAYMENT_CHANNEL: &str = "payment-channel";
/// Request header: a client-chosen key that makes a paid call safe to retry (see
/// [`check_idempotency_key`]).
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The longest `PAYMENT-SIGNATURE` value accepted (bytes of base64). A voucher with an
/// echoed `accepted` entry is well under 2 KiB.
pub const MAX_PAYMENT_SIGNATURE_LEN: usize = 4096;
/// The longest `Idempotency-Key` accepted (characters).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// Standard alphabet; writes padding, accepts it or not.
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a header value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Longer than the limit.
    #[error("header value too long: {len} bytes, at most {max}")]
    TooLong { len: usize, max: usize },
    /// Not base64 (standard alphabet).
    #[error("header value is not base64: {0}")]
    Base64(String),
    /// Base64 of something that is not the expected JSON.
    #[error("header value is not the expected JSON: {0}")]
    Json(String),
    /// An `Idempotency-Key` that is empty, too long or has characters other than
    /// visible ASCII.
    #[error("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters (0x21..=0x7e)")]
    BadIdempotencyKey,
    /// A `PAYMENT-CHANNEL` that is not a decimal channel id.
    #[error("PAYMENT-CHANNEL must be a decimal channel id")]
    BadChannel,
}

/// `base64(JSON of value)`, the value of a `PAYMENT-*` header.
pub fn encode<T: Serialize>(value: &T) -> String {
    // Serializing these types to a string cannot fail (no maps with non-string keys).
    let json = serde_json::to_vec(value).unwrap_or_default();
    B64.encode(json)
}

/// Reads a `PAYMENT-*` header value of at most `max` bytes: base64, then JSON.
pub fn decode<T: DeserializeOwned>(value: &[u8], max: usize) -> Result<T, HeaderError> {
    if value.len() > max {
        return Err(HeaderError::TooLong {
            len: value.len(),
            max,
        });
    }
    let json = B64
        .decode(trim(value))
        .map_err(|e| HeaderError::Base64(e.to_string()))?;
    serde_json::from_slice(&json).map_err(|e| HeaderError::Json(e.to_string()))
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &v[start..end]
}

/// Checks an `Idempotency-Key`: 1 to 255 visible ASCII characters (`0x21..=0x7e`; a
/// UUID or any token fits). Keys are scoped to the channel the call pays from.
pub fn check_idempotency_key(value: &[u8]) -> Result<&str, HeaderError> {
    let ok = (1..=MAX_IDEMPOTENCY_KEY_LEN).contains(&value.len())
        && value.iter().all(|b| (0x21..=0x7e).contains(b));
    if !ok {
        return Err(HeaderError::BadIdempotencyKey);
    }
    std::str::from_utf8(value).map_err(|_| HeaderError::BadIdempotencyKey)
}

/// Reads a `PAYMENT-CHANNEL` value: a decimal channel id.
pub fn parse_channel(value: &[u8]) -> Result<u64, HeaderError> {
    std::str::from_utf8(trim(value))
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
        .ok_or(HeaderError::BadChannel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_decode_gives_the_value_back_with_or_without_padding() {
        let v = serde_json::json!({"ab": 1}); // 8 bytes of JSON: one `=`
        let text = encode(&v);
        assert!(text.ends_with('='), "padded: {text}");
        assert_eq!(
            decode::<serde_json::Value>(text.as_bytes(), 100).unwrap(),
            v
        );
        let unpadded = text.trim_end_matches('=');
        assert_eq!(
            decode::<serde_json::Value>(unpadded.as_bytes(), 100).unwrap(),
            v
        );
    }

    #[test]
    fn decode_refuses_too_long_values_before_decoding() {
        let text = encode(&"x".repeat(100));
        assert_eq!(
            decode::<String>(text.as_bytes(), 10),
            Err(HeaderError::TooLong {
                len: text.len(),
                max: 10
            })
        );
    }

    #[test]
    fn decode_refuses_non_base64_and_non_json() {
        assert!(matches!(
            decode::<String>(b"***", 100),
            Err(HeaderError::Base64(_))
        ));
        let not_json = B64.encode(b"{not json");
        assert!(matches!(
            decode::<String>(not_json.as_bytes(), 100),
            Err(HeaderError::Json(_))
        ));
    }

    #[test]
    fn idempotency_keys_are_1_to_255_visible_ascii_characters() {
        assert_eq!(check_idempotency_key(b"a").unwrap(), "a");
        let longest = "k".repeat(255);
        assert!(check_idempotency_key(longest.as_bytes()).is_ok());
        assert!(check_idempotency_key("k".repeat(256).as_bytes()).is_err());
        assert!(check_idempotency_key(b"").is_err());
        assert!(check_idempotency_key(b"with space").is_err());
        assert!(check_idempotency_key("é".as_bytes()).is_err());
        assert!(check_idempotency_key(b"tab\t").is_err());
    }

    #[test]
    fn payment_channel_is_a_decimal_id() {
        assert_eq!(parse_channel(b"42"), Ok(42));
        assert_eq!(parse_channel(b" 7 "), Ok(7));
        for bad in [&b""[..], b"-1", b"0x10", b"1.0", b"99999999999999999999999"] {
            assert_eq!(parse_channel(bad), Err(HeaderError::BadChannel), "{bad:?}");
        }
    }
}
