//! Every way a registry message can fail.

/// Errors of the registry contract. Each variant names exactly one reason, so clients
/// and UIs can tell the user what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub enum Error {
    /// The caller is not the contract owner (the deployer, or whom it transferred to).
    NotOwner,
    /// The caller is not the owner of the organization.
    NotOrgOwner,
    /// The caller is neither the owner nor a member of the organization.
    NotOrgMember,
    /// The organization id is empty.
    OrgIdEmpty,
    /// The organization id is longer than `MAX_ID_LEN` bytes.
    OrgIdTooLong,
    /// The organization id contains a byte outside `[a-z0-9-]`.
    OrgIdInvalidChar,
    /// The organization id exists or was used by a deleted organization (org ids are
    /// never reused, so nobody can impersonate a deleted organization).
    OrgIdTaken,
    /// No organization with this id.
    OrgNotFound,
    /// The organization still has services; delete them first.
    OrgHasServices,
    /// The organization already has `MAX_MEMBERS` members.
    TooManyMembers,
    /// The account is already a member (or the owner) of the organization.
    AlreadyMember,
    /// The account is not a member of the organization.
    NotMember,
    /// No service with this id (never registered, or deleted).
    ServiceNotFound,
    /// The service name is empty.
    NameEmpty,
    /// The service name is longer than `MAX_NAME_LEN` bytes.
    NameTooLong,
    /// The service name contains a control character.
    NameInvalidChar,
    /// The endpoint URL is empty.
    EndpointEmpty,
    /// The endpoint URL is longer than `MAX_URL_LEN` bytes.
    EndpointTooLong,
    /// The endpoint URL contains a byte that is not printable ASCII (or a space).
    EndpointInvalidChar,
    /// The metadata URI is empty.
    MetadataUriEmpty,
    /// The metadata URI is longer than `MAX_URL_LEN` bytes.
    MetadataUriTooLong,
    /// The metadata URI contains a byte that is not printable ASCII (or a space).
    MetadataUriInvalidChar,
    /// More than `MAX_TAGS` tags.
    TooManyTags,
    /// A tag is empty.
    TagEmpty,
    /// A tag is longer than `MAX_ID_LEN` bytes.
    TagTooLong,
    /// A tag contains a byte outside `[a-z0-9-]`.
    TagInvalidChar,
    /// The same tag appears twice.
    DuplicateTag,
    /// The service is already listed (active).
    AlreadyListed,
    /// The service is already delisted (inactive).
    AlreadyDelisted,
    /// A counter (service ids, index sizes) would overflow.
    Overflow,
    /// `promote`: the service is delisted.
    ServiceInactive,
    /// `promote`: the service does not carry the tag.
    NotTagged,
    /// `promote`: the service is already on the tag's leaderboard (nothing changes).
    AlreadyOnBoard,
    /// `promote`: the leaderboard is full of listed members and the candidate's score
    /// is not strictly higher than the weakest member's.
    NotBetter,
    /// `promote`: the leaderboard is full of listed members, so scores are needed, and
    /// there is no reputation oracle, its call failed, or it answered too few scores.
    ScoresUnavailable,
}

/// The registry's result type.
pub type Result<T> = core::result::Result<T, Error>;

impl From<gb_interfaces::NotOwner> for Error {
    fn from(_: gb_interfaces::NotOwner) -> Self {
        Error::NotOwner
    }
}
