"""People and their accounts: invitations, office administration and the account audit log.

Signing in, passwords, two-factor sign-in and single sign-on are django-allauth's; this
app holds what allauth does not: who may administer whom (an office administrator looks
after their office, the forces it oversees and those forces' partner agencies), the
invitation a person accepts to get an account, role changes and leavers, and a dated
record of every sign-in, failed sign-in, password change, invitation, role change and
deactivation, readable by the office administrator.
"""
