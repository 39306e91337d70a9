# Referrals are never shown in the Django admin: access goes through referrals.access only.
