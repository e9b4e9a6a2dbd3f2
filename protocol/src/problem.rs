//! RFC 9457 problem details (`application/problem+json`), one stable `type` URI per
//! cause, so that a client matches on [`ProblemKind`] rather than on text.

use crate::challenge::ChannelStatus;
use gb_interfaces::Balance;
use serde::{Deserialize, Serialize};

/// The prefix of every problem `type` URI.
pub const TYPE_PREFIX: &str = "urn:gbrain:problem:";

macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident = ($slug:literal, $status:literal, $title:literal),)*) => {
        /// Why a request was refused (or failed), with its HTTP status.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemKind {
            $($(#[$doc])* $variant,)*
        }

        impl ProblemKind {
            /// Every kind.
            pub const ALL: &'static [ProblemKind] = &[$(ProblemKind::$variant,)*];

            /// The last segment of the `type` URI, e.g. `stale-amount`.
            pub fn slug(self) -> &'static str {
                match self { $(ProblemKind::$variant => $slug,)* }
            }

            /// The HTTP status a gateway answers with.
            pub fn status(self) -> u16 {
                match self { $(ProblemKind::$variant => $status,)* }
            }

            /// A short summary for people (RFC 9457 `title`).
            pub fn title(self) -> &'static str {
                match self { $(ProblemKind::$variant => $title,)* }
            }
        }
    };
}

kinds! {
    /// No `PAYMENT-SIGNATURE`: pay with a voucher (the `PAYMENT-REQUIRED` header says how).
    Unpaid = ("unpaid", 402, "Payment required"),
    /// `PAYMENT-SIGNATURE` is not base64 of a valid payload (or the x402 version is not 2).
    MalformedPayment = ("malformed-payment", 400, "Malformed payment"),
    /// A payment header is longer than the gateway accepts.
    HeaderTooLarge = ("header-too-large", 431, "Payment header too large"),
    /// The payload's scheme is not `batch-settlement`.
    UnsupportedScheme = ("unsupported-scheme", 400, "Unsupported payment scheme"),
    /// The payload's network is another chain.
    WrongNetwork = ("wrong-network", 400, "Wrong network"),
    /// The payload's `accepted` echo names another escrow contract or payee.
    WrongEscrow = ("wrong-escrow", 400, "Wrong escrow or payee"),
    /// Escrow has no channel with this id.
    ChannelNotFound = ("channel-not-found", 410, "Channel not found"),
    /// The channel is closed (closed by the payee or refunded to the client).
    ChannelClosed = ("channel-closed", 410, "Channel closed"),
    /// The channel pays another payee or was opened for another service.
    WrongService = ("wrong-service", 402, "Channel is for another service"),
    /// The channel expires within the gateway's margin: extend it.
    ChannelExpiring = ("channel-expiring", 402, "Channel expires too soon"),
    /// The signature does not verify for the channel's signer over this escrow,
    /// channel and amount.
    InvalidSignature = ("invalid-signature", 402, "Invalid voucher signature"),
    /// The voucher's amount does not cover this call: sign at least
    /// `requiredCumulative`.
    StaleAmount = ("stale-amount", 402, "Voucher amount too low"),
    /// The amount is above the channel's funds, or the funds cannot pay another call
    /// (or are below the minimum deposit): add funds.
    InsufficientFunds = ("insufficient-funds", 402, "Insufficient channel funds"),
    /// The `Idempotency-Key` is in use: by a call still in flight, by a different
    /// request, or by a completed call whose response was not kept.
    IdempotencyConflict = ("idempotency-conflict", 409, "Idempotency key conflict"),
    /// Too many paid calls on this channel per second.
    RateLimited = ("rate-limited", 429, "Rate limited"),
    /// The request body is larger than the gateway forwards.
    PayloadTooLarge = ("payload-too-large", 413, "Request body too large"),
    /// The gateway could not make the voucher durable: nothing was forwarded or charged.
    StoreUnavailable = ("store-unavailable", 503, "Payment store unavailable"),
    /// The gateway could not read the channel from the chain.
    ChainUnavailable = ("chain-unavailable", 503, "Chain unavailable"),
    /// The service could not be reached; the charge was refunded.
    UpstreamUnavailable = ("upstream-unavailable", 502, "Service unavailable"),
    /// The service did not answer in time; the charge was refunded.
    UpstreamTimeout = ("upstream-timeout", 504, "Service timed out"),
    /// The service's answer was not valid HTTP; the charge was refunded.
    UpstreamError = ("upstream-error", 502, "Service error"),
}

impl ProblemKind {
    /// The `type` URI, e.g. `urn:gbrain:problem:stale-amount`.
    pub fn type_uri(self) -> String {
        format!("{TYPE_PREFIX}{}", self.slug())
    }

    /// The kind of a `type` URI; `None` for a type this version does not know.
    pub fn from_type_uri(uri: &str) -> Option<Self> {
        let slug = uri.strip_prefix(TYPE_PREFIX)?;
        Self::ALL.iter().copied().find(|k| k.slug() == slug)
    }

    /// True for the kinds whose response also carries a `PAYMENT-REQUIRED` challenge
    /// (status 402).
    pub fn carries_challenge(self) -> bool {
        self.status() == 402
    }
}

/// Which way an `Idempotency-Key` is in use (`idempotency-conflict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdempotencyState {
    /// The first call with this key is still being served: retry later.
    InFlight,
    /// The key was used for a different request (method or path).
    Mismatch,
    /// The call completed, but its response was too large (or streamed, or cut off)
    /// to keep: it cannot be replayed; use a new key to call (and pay) again.
    NotRetained,
}

/// An RFC 9457 problem document, with Global Brain's extension members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// `urn:gbrain:problem:<slug>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    /// What happened in this case, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The channel involved, as the gateway sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelStatus>,
    /// What the next voucher must reach (`stale-amount`).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_decimal")]
    pub required_cumulative: Option<Balance>,
    /// `idempotency-conflict`: in which way the key is in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_state: Option<IdempotencyState>,
    /// When to retry (`rate-limited`, `idempotency-conflict` in flight, 503s); also
    /// sent as `Retry-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

impl Problem {
    /// A problem of `kind` with `detail`.
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: kind.type_uri(),
            title: kind.title().to_string(),
            status: kind.status(),
            detail: Some(detail.into()),
            instance: None,
            channel: None,
            required_cumulative: None,
            idempotency_state: None,
            retry_after_seconds: None,
        }
    }

    /// The kind, if the `type` is one this version knows.
    pub fn kind(&self) -> Option<ProblemKind> {
        ProblemKind::from_type_uri(&self.type_uri)
    }
}

/// `Option<u128>` as an optional decimal string.
mod opt_decimal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<u128>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u128>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_kind_has_a_distinct_type_uri_that_maps_back() {
        let mut seen = HashSet::new();
        for &k in ProblemKind::ALL {
            assert!(seen.insert(k.slug()), "duplicate slug {}", k.slug());
            assert_eq!(ProblemKind::from_type_uri(&k.type_uri()), Some(k));
            assert!((400..600).contains(&k.status()));
        }
        assert_eq!(ProblemKind::from_type_uri("urn:gbrain:problem:nope"), None);
        assert_eq!(ProblemKind::from_type_uri("about:blank"), None);
    }

    #[test]
    fn payment_problems_are_402_and_carry_a_challenge() {
        use ProblemKind::*;
        for k in [
            Unpaid,
            WrongService,
            ChannelExpiring,
            InvalidSignature,
            StaleAmount,
            InsufficientFunds,
        ] {
            assert_eq!(k.status(), 402);
            assert!(k.carries_challenge());
        }
        assert!(!StoreUnavailable.carries_challenge());
        assert_eq!(StoreUnavailable.status(), 503);
        assert_eq!(ChannelClosed.status(), 410);
        assert_eq!(IdempotencyConflict.status(), 409);
    }

    #[test]
    fn a_problem_serializes_its_extensions_only_when_set() {
        let mut p = Problem::new(ProblemKind::StaleAmount, "sign at least 30");
        let plain = serde_json::to_value(&p).unwrap();
        assert_eq!(
            plain,
            serde_json::json!({
                "type": "urn:gbrain:problem:stale-amount",
                "title": "Voucher amount too low",
                "status": 402,
                "detail": "sign at least 30",
            })
        );
        p.required_cumulative = Some(u128::MAX);
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["requiredCumulative"], u128::MAX.to_string());
        let back: Problem = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.kind(), Some(ProblemKind::StaleAmount));
    }
}
