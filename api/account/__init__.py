"""The signed-in user's account (`/users/me`): profile, statistics and deletion of everything personal.

Above the features it draws on (users, auth, scans, uploads, knowledge), so none of them needs to
import another to serve it: `users` holds the user table and its rules, and imports no feature.
"""
