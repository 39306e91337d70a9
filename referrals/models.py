# Referrals from health workers arrive with the referrals issue.
