//! The values that cross the [`crate::Chain`] trait.

use serde::{Deserialize, Serialize};

/// A 32-byte account id; `Display` and `FromStr` use SS58 (prefix 42).
pub use subxt::utils::AccountId32 as AccountId;

/// Native token amount in plancks.
pub type Balance = u128;
/// Block timestamp in milliseconds since the Unix epoch.
pub type Timestamp = u64;
/// Blake2-256 hash of a contract's Wasm code.
pub type CodeHash = [u8; 32];

/// Gas as pallet-contracts' `Weight` v2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, scale::Encode, scale::Decode)]
pub struct Weight {
    #[codec(compact)]
    pub ref_time: u64,
    #[codec(compact)]
    pub proof_size: u64,
}

impl Weight {
    /// The weight plus `percent` % of it (a margin for a submission after a dry run:
    /// state may grow between the dry run and the block).
    pub fn with_margin(self, percent: u64) -> Weight {
        Weight {
            ref_time: self
                .ref_time
                .saturating_add(self.ref_time.saturating_mul(percent) / 100),
            proof_size: self
                .proof_size
                .saturating_add(self.proof_size.saturating_mul(percent) / 100),
        }
    }
}

/// Gas and storage deposit of one call, as pallet-contracts reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub ref_time: u64,
    pub proof_size: u64,
    /// Positive: charged to the caller; negative: refunded.
    pub storage_deposit: i128,
}

/// What a chain is, as the deployment file records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainInfo {
    /// The node's `system_chain` name (e.g. `Development`), or a description of the
    /// in-process chain.
    pub name: String,
    /// The node's endpoint; `None` for the in-process chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The genesis block hash, `0x…`: identifies the chain.
    pub genesis_hash: String,
    /// True for a development chain, where the well-known `//Alice` key may act by
    /// default.
    pub dev: bool,
}

impl ChainInfo {
    /// The genesis block hash as bytes: what escrow's constructor takes and vouchers
    /// sign (voucher v2). `None` if `genesis_hash` is not `0x` + 64 hex digits.
    pub fn genesis(&self) -> Option<[u8; 32]> {
        let digits = self.genesis_hash.strip_prefix("0x")?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(digits, &mut out).ok()?;
        Some(out)
    }
}

/// A message call of a contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractCall {
    /// The contract.
    pub contract: AccountId,
    /// Selector ‖ SCALE-encoded arguments.
    pub data: Vec<u8>,
    /// Native value sent with the call (payable messages only).
    pub value: Balance,
}

/// A contract instantiation: the code (uploaded with the call if the chain lacks it),
/// the constructor input, the salt that makes the address unique.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instantiation {
    pub code: Vec<u8>,
    /// Constructor selector ‖ SCALE-encoded arguments.
    pub data: Vec<u8>,
    pub salt: Vec<u8>,
    pub value: Balance,
}

/// The result of a dry run: what the call returned and what it would cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DryRun {
    /// The output bytes (for ink: the SCALE-encoded `Result<_, LangError>` envelope).
    pub data: Vec<u8>,
    /// True if the contract reverted (ink: the message returned `Err` or trapped with
    /// a revert); a reverted call is never submitted.
    pub reverted: bool,
    /// The gas the call needs (the limit a submission uses, plus a margin).
    pub gas_required: Weight,
    pub cost: Cost,
    /// The contracts' debug buffer, if the chain returns one.
    pub debug: String,
}

/// A block, by number and hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRef {
    pub number: u64,
    #[serde(with = "hex_hash")]
    pub hash: [u8; 32],
}

/// A submitted call that is in a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// The output of the dry run made just before (a chain does not return a call's
    /// output once it is in a block).
    pub dry_run: DryRun,
    pub block: BlockRef,
    /// The contract events the call emitted, in order.
    pub events: Vec<ContractEvent>,
    /// The transaction fee the signer paid (0 on the in-process chain).
    pub fee: Balance,
}

/// An instantiated contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instantiated {
    pub address: AccountId,
    pub code_hash: CodeHash,
    pub block: BlockRef,
    pub cost: Cost,
    pub events: Vec<ContractEvent>,
    pub fee: Balance,
}

/// A dry-run instantiation: where the contract would be and what it would cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DryRunInstantiation {
    pub address: AccountId,
    pub reverted: bool,
    /// The constructor's output (for ink: `Result<Result<(), Error>, LangError>`).
    pub data: Vec<u8>,
    pub gas_required: Weight,
    pub cost: Cost,
    pub debug: String,
}

/// An event a contract emitted (`Contracts::ContractEmitted` with its topics).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractEvent {
    pub contract: AccountId,
    /// Topics; for ink! 5 events the first is the event's signature topic.
    pub topics: Vec<[u8; 32]>,
    /// The SCALE-encoded event.
    pub data: Vec<u8>,
}

/// The contract events of one finalized block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockEvents {
    pub block: BlockRef,
    pub events: Vec<ContractEvent>,
}

/// `0x`-hex serde for 32-byte hashes (`#[serde(with = "gb_chain::hex_hash")]`).
pub mod hex_hash {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(h)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(text.trim_start_matches("0x"), &mut out)
            .map_err(serde::de::Error::custom)?;
        Ok(out)
    }
}

/// `0x…` lowercase hex of bytes.
pub fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod genesis_tests {
    use super::ChainInfo;

    fn info(genesis_hash: &str) -> ChainInfo {
        ChainInfo {
            name: "test".into(),
            url: None,
            genesis_hash: genesis_hash.into(),
            dev: true,
        }
    }

    #[test]
    fn the_genesis_hash_parses_from_0x_hex_only() {
        let mut want = [0u8; 32];
        want[0] = 0xAB;
        want[31] = 0x01;
        let text = format!("0xab{}01", "00".repeat(30));
        assert_eq!(info(&text).genesis(), Some(want));
        assert_eq!(
            info(&text.to_uppercase().replace("0X", "0x")).genesis(),
            Some(want)
        );
        assert_eq!(info(&text[2..]).genesis(), None, "no 0x");
        assert_eq!(info(&text[..64]).genesis(), None, "31 bytes");
        assert_eq!(info(&format!("{text}00")).genesis(), None, "33 bytes");
        assert_eq!(info("0xzz").genesis(), None);
    }
}
