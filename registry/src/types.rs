//! Bounds and the records the registry stores and returns.

use gb_interfaces::{AccountId, Balance, Ppm, ServiceId, Timestamp};
use ink::prelude::{string::String, vec::Vec};

/// Longest organization id or tag, in bytes (`[a-z0-9-]`, at least 1 byte).
pub const MAX_ID_LEN: usize = 32;
/// Most members an organization may have (besides its owner).
pub const MAX_MEMBERS: usize = 16;
/// Longest service display name, in bytes (UTF-8, no control characters).
pub const MAX_NAME_LEN: usize = 64;
/// Longest endpoint URL or metadata URI, in bytes (printable ASCII, no spaces).
pub const MAX_URL_LEN: usize = 256;
/// Most tags (market segments) a service may carry.
pub const MAX_TAGS: usize = 8;
/// Hard maximum page size of every paginated read; a `limit` of 0 or above it means
/// `MAX_PAGE`.
///
/// 32 keeps the largest page (ranked entries with 256-byte endpoints, ~10 KiB) under
/// ink!'s 16 KiB static buffer.
pub const MAX_PAGE: u32 = 32;

/// An organization: the provider that owns services.
#[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(
    feature = "std",
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct Org {
    /// Manages members, ownership and deletion; also manages services.
    pub owner: AccountId,
    /// Accounts that may register and manage the organization's services
    /// (at most [`MAX_MEMBERS`], never including the owner).
    pub members: Vec<AccountId>,
    /// Creation time (block timestamp, ms).
    pub created_at: Timestamp,
}

impl Org {
    /// True if `account` is the owner or a member.
    pub fn is_owner_or_member(&self, account: &AccountId) -> bool {
        self.owner == *account || self.members.contains(account)
    }
}

/// A registered AI service.
#[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(
    feature = "std",
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct Service {
    /// The organization that owns the service.
    pub org_id: String,
    /// Display name (1..=[`MAX_NAME_LEN`] bytes).
    pub name: String,
    /// Price of one call in plancks.
    pub price: Balance,
    /// Account that receives the payments.
    pub payee: AccountId,
    /// Where clients call the service (its provider gateway).
    pub endpoint: String,
    /// URI of the service's metadata document (e.g. `ipfs://…`).
    pub metadata_uri: String,
    /// Content hash of the metadata document (clients verify what they fetched).
    pub metadata_hash: [u8; 32],
    /// Market segments the service is listed under (at most [`MAX_TAGS`]).
    pub tags: Vec<String>,
    /// False when delisted: escrow opens no new channels, discovery skips it.
    pub active: bool,
    /// Registration time (block timestamp, ms).
    pub created_at: Timestamp,
    /// Time of the last change (block timestamp, ms).
    pub updated_at: Timestamp,
}

/// Everything a provider supplies to register a service.
#[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct ServiceSpec {
    /// Display name (1..=[`MAX_NAME_LEN`] bytes).
    pub name: String,
    /// Price of one call in plancks.
    pub price: Balance,
    /// Account that receives the payments.
    pub payee: AccountId,
    /// Endpoint URL (1..=[`MAX_URL_LEN`] bytes of printable ASCII).
    pub endpoint: String,
    /// Metadata URI (1..=[`MAX_URL_LEN`] bytes of printable ASCII).
    pub metadata_uri: String,
    /// Content hash of the metadata document.
    pub metadata_hash: [u8; 32],
    /// Tags, at most [`MAX_TAGS`], each 1..=[`MAX_ID_LEN`] bytes of `[a-z0-9-]`, distinct.
    pub tags: Vec<String>,
}

/// A change to a service: `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct ServiceUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New price per call.
    pub price: Option<Balance>,
    /// New payee.
    pub payee: Option<AccountId>,
    /// New endpoint URL.
    pub endpoint: Option<String>,
    /// New metadata URI and content hash (they change together).
    pub metadata: Option<(String, [u8; 32])>,
    /// New tag set (replaces the old one; the tag indexes follow).
    pub tags: Option<Vec<String>>,
}

/// One service in a page of an organization's or a tag's services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct ServiceSummary {
    /// The service's id (read the full record with `service`).
    pub service_id: ServiceId,
    /// Price of one call.
    pub price: Balance,
    /// Account that receives the payments.
    pub payee: AccountId,
    /// False when delisted.
    pub active: bool,
}

/// A page of an organization's or a tag's services.
#[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct ServicePage {
    /// The services at positions `cursor..` of the index (delisted ones included).
    pub services: Vec<ServiceSummary>,
    /// Cursor of the next page; `None` at the end.
    pub next_cursor: Option<u32>,
    /// Number of services in the whole index.
    pub total: u32,
}

/// One entry of a reputation-ranked discovery page.
#[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct RankedEntry {
    /// The service's id.
    pub service_id: ServiceId,
    /// Price of one call.
    pub price: Balance,
    /// Ranking score from the reputation oracle (ppm; 0 without an oracle).
    pub score: Ppm,
    /// Account that receives the payments.
    pub payee: AccountId,
    /// Where to call the service.
    pub endpoint: String,
}

/// A page of reputation-ranked discovery (`ranked_by_tag`), or a tag's leaderboard
/// (`top_by_tag`).
#[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct RankedPage {
    /// Active services of the page (or of the leaderboard), best first.
    pub entries: Vec<RankedEntry>,
    /// Cursor of the next page of the tag's active services; `None` at the end (always
    /// `None` for a leaderboard).
    pub next_cursor: Option<u32>,
    /// `ranked_by_tag`: the number of active services under the tag. `top_by_tag`: the
    /// number of members stored on the leaderboard (stale ones included; at most
    /// `MAX_PAGE`).
    pub total: u32,
}
