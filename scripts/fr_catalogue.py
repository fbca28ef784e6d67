"""Fills the French catalogue from the translations below, then compiles it (run after makemessages)."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

FR: dict[str, str | tuple[str, str]] = {
    "E-mail": "E-mail",
    "Password": "Mot de passe",
    "Too many failed attempts. Wait 15 minutes or reset your password.": "Trop d'essais infructueux. Patientez 15 minutes ou réinitialisez votre mot de passe.",
    "This e-mail and password do not match an active account.": "Cet e-mail et ce mot de passe ne correspondent à aucun compte actif.",
    "Full name": "Nom complet",
    "Password again": "Mot de passe (confirmation)",
    "The two passwords differ.": "Les deux mots de passe diffèrent.",
    "e-mail": "e-mail",
    "full name": "nom complet",
    "Log in": "Se connecter",
    "Log in to Comptoir": "Connexion à Comptoir",
    "Forgot your password?": "Mot de passe oublié ?",
    "Reset your password": "Réinitialiser votre mot de passe",
    "Enter your e-mail address: if it belongs to an account, we send you a link to choose a new password.": "Saisissez votre adresse e-mail : si elle correspond à un compte, nous vous envoyons un lien pour choisir un nouveau mot de passe.",
    "Send the link": "Envoyer le lien",
    "Choose a new password": "Choisir un nouveau mot de passe",
    "Save the password": "Enregistrer le mot de passe",
    "This link has expired or was already used.": "Ce lien a expiré ou a déjà servi.",
    "Ask for a new one.": "Demandez-en un nouveau.",
    "Check your e-mail": "Consultez vos e-mails",
    "If the address belongs to an account, a link to choose a new password is on its way. It works once and expires in three days.": "Si l'adresse correspond à un compte, un lien pour choisir un nouveau mot de passe vous a été envoyé. Il ne sert qu'une fois et expire dans trois jours.",
    "Hello,": "Bonjour,",
    "Someone asked to reset the password of your Comptoir account. If it was you, choose a new password here:": "Quelqu'un a demandé à réinitialiser le mot de passe de votre compte Comptoir. Si c'est vous, choisissez un nouveau mot de passe ici :",
    "If it was not you, ignore this message: your password stays as it is.": "Si ce n'est pas vous, ignorez ce message : votre mot de passe reste inchangé.",
    "Your Comptoir password": "Votre mot de passe Comptoir",
    "A token cannot have more rights than your own role.": "Un jeton ne peut pas avoir plus de droits que votre propre rôle.",
    "The expiry date must be in the future.": "La date d'expiration doit être dans le futur.",
    "Name": "Nom",
    "Role": "Rôle",
    "Expires": "Expire le",
    "name": "nom",
    "role": "rôle",
    "expires": "expire le",
    "API tokens": "Jetons d'API",
    'A token lets a script act on this workspace with the role you give it, never more than yours. The API is described at <a href="/api/docs">/api/docs</a>.': "Un jeton permet à un script d'agir sur cet espace avec le rôle que vous lui donnez, jamais plus que le vôtre. L'API est décrite sur <a href=\"/api/docs\">/api/docs</a>.",
    "Your new token (shown only once):": "Votre nouveau jeton (affiché une seule fois) :",
    "Starts with": "Commence par",
    "Last used": "Dernière utilisation",
    "Revoke": "Révoquer",
    "No token yet.": "Aucun jeton pour l'instant.",
    "New token": "Nouveau jeton",
    "Create": "Créer",
    "Token “%(name)s” created. Copy it now: it will not be shown again.": "Jeton « %(name)s » créé. Copiez-le maintenant : il ne sera plus affiché.",
    "Token “%(name)s” revoked.": "Jeton « %(name)s » révoqué.",
    "French": "Français",
    "English": "Anglais",
    "System status": "État du système",
    "Database": "Base de données",
    "Reachable": "Joignable",
    "Unreachable": "Injoignable",
    "Job queue": "File des tâches",
    "%(n)s job waiting": ("%(n)s tâche en attente", "%(n)s tâches en attente"),
    "%(n)s scheduled": ("%(n)s programmée", "%(n)s programmées"),
    "Background worker": "Tâches de fond",
    "Last heartbeat %(ago)s ago": "Dernier signal de vie il y a %(ago)s",
    "No heartbeat yet: is a worker running?": "Aucun signal de vie : un worker tourne-t-il ?",
    "Not allowed": "Action non autorisée",
    "Your role in this workspace does not allow this. Ask an owner or an administrator.": "Votre rôle dans cet espace ne le permet pas. Demandez à un propriétaire ou à un administrateur.",
    "Not found": "Introuvable",
    "This page does not exist, or you do not have access to it.": "Cette page n'existe pas, ou vous n'y avez pas accès.",
    "Back to my workspaces": "Retour à mes espaces",
    "Choose a workspace": "Choisir un espace",
    "New workspace": "Nouvel espace",
    "Log out": "Se déconnecter",
    "Workspace": "Espace",
    "Overview": "Vue d'ensemble",
    "Team": "Équipe",
    "Activity log": "Journal d'activité",
    "Settings": "Réglages",
    "Your role cannot give or take the role “%(role)s”.": "Votre rôle ne permet pas de donner ou retirer le rôle « %(role)s ».",
    "A workspace keeps at least one owner.": "Un espace garde au moins un propriétaire.",
    "Your role cannot invite someone as “%(role)s”.": "Votre rôle ne peut pas inviter quelqu'un comme « %(role)s ».",
    "%(email)s is already a member of this workspace.": "%(email)s est déjà membre de cet espace.",
    "%(name)s invites you to %(workspace)s on Comptoir": "%(name)s vous invite dans %(workspace)s sur Comptoir",
    "Hello,\n\n%(name)s invites you to join the workspace “%(workspace)s” as %(role)s.\n\nAccept the invitation here (the link expires in 7 days):\n%(url)s\n": "Bonjour,\n\n%(name)s vous invite à rejoindre l'espace « %(workspace)s » en tant que %(role)s.\n\nAcceptez l'invitation ici (le lien expire dans 7 jours) :\n%(url)s\n",
    "This invitation has expired or was already used.": "Cette invitation a expiré ou a déjà servi.",
    "This invitation was sent to %(email)s.": "Cette invitation a été envoyée à %(email)s.",
    "“%(value)s” is not a known time zone (e.g. Europe/Paris).": "« %(value)s » n'est pas un fuseau horaire connu (par ex. Europe/Paris).",
    "Choose at least one language.": "Choisissez au moins une langue.",
    "Unknown language code: %(codes)s.": "Code de langue inconnu : %(codes)s.",
    "Unknown day “%(day)s”: use mon, tue, wed, thu, fri, sat, sun.": "Jour inconnu « %(day)s » : utilisez mon, tue, wed, thu, fri, sat, sun.",
    "Opening hours are written as two HH:MM times, e.g. 09:00–18:00.": "Les horaires s'écrivent avec deux heures HH:MM, par ex. 09:00–18:00.",
    "On %(day)s, an opening time comes after its closing time.": "Le %(day)s, une heure d'ouverture est après son heure de fermeture.",
    "Languages": "Langues",
    "Time zone": "Fuseau horaire",
    "Business hours": "Horaires d'ouverture",
    "One line per day, e.g. “mon 09:00-12:30 14:00-18:00”; leave a day out when closed.": "Une ligne par jour, par ex. « mon 09:00-12:30 14:00-18:00 » ; omettez les jours de fermeture.",
    "Use a two-letter country code such as FR or BE.": "Utilisez un code pays à deux lettres, comme FR ou BE.",
    "Spanish": "Espagnol",
    "German": "Allemand",
    "Italian": "Italien",
    "Dutch": "Néerlandais",
    "Portuguese": "Portugais",
    "Owner": "Propriétaire",
    "Administrator": "Administrateur",
    "Editor": "Rédacteur",
    "Moderator": "Modérateur",
    "Analyst": "Analyste",
    "Reviewer": "Validateur",
    "short name": "nom court",
    "time zone": "fuseau horaire",
    "languages": "langues",
    "country": "pays",
    "business hours": "horaires d'ouverture",
    "created": "a créé",
    "updated": "a modifié",
    "deleted": "a supprimé",
    "Invitation": "Invitation",
    "Join %(name)s": "Rejoindre %(name)s",
    "You are invited as %(role)s (%(email)s).": "Vous êtes invité·e comme %(role)s (%(email)s).",
    "Accept the invitation": "Accepter l'invitation",
    "You already have an account: log in, then open this link again.": "Vous avez déjà un compte : connectez-vous, puis rouvrez ce lien.",
    "Create my account and join": "Créer mon compte et rejoindre",
    "Kind of object": "Type d'objet",
    "All": "Tous",
    "Filter": "Filtrer",
    "When": "Quand",
    "Who": "Qui",
    "What": "Quoi",
    "Changes": "Modifications",
    "Nothing recorded yet.": "Rien d'enregistré pour l'instant.",
    "Newer": "Plus récent",
    "Older": "Plus ancien",
    "One workspace per brand or client: its own team, channels, calendar and inbox.": "Un espace par marque ou client : son équipe, ses comptes, son calendrier et sa boîte de réception.",
    "Create the workspace": "Créer l'espace",
    "%(n)s invitation waiting": ("%(n)s invitation en attente", "%(n)s invitations en attente"),
    "Your role": "Votre rôle",
    "Recent activity": "Activité récente",
    "This invitation is no longer valid": "Cette invitation n'est plus valable",
    "It has expired, was withdrawn or was already used. Ask the person who invited you for a new one.": "Elle a expiré, a été retirée ou a déjà servi. Demandez-en une nouvelle à la personne qui vous a invité·e.",
    "Person": "Personne",
    "Change": "Changer",
    "Remove": "Retirer",
    "Invite someone": "Inviter quelqu'un",
    "Send the invitation": "Envoyer l'invitation",
    "Invitations waiting": "Invitations en attente",
    "expires %(date)s": "expire le %(date)s",
    "expired": "expirée",
    "Withdraw": "Retirer",
    "Save": "Enregistrer",
    "Delete this workspace": "Supprimer cet espace",
    "Everything in it is deleted for good: team, invitations, activity log.": "Tout son contenu est supprimé définitivement : équipe, invitations, journal d'activité.",
    "Type “%(slug)s” to confirm": "Tapez « %(slug)s » pour confirmer",
    "Delete": "Supprimer",
    "Workspace “%(name)s” created.": "Espace « %(name)s » créé.",
    "Settings saved.": "Réglages enregistrés.",
    "Type the workspace's short name to confirm its deletion.": "Tapez le nom court de l'espace pour confirmer sa suppression.",
    "Workspace “%(name)s” deleted.": "Espace « %(name)s » supprimé.",
    "Invitation sent to %(email)s.": "Invitation envoyée à %(email)s.",
    "Choose a role from the list.": "Choisissez un rôle dans la liste.",
    "Role of %(user)s updated.": "Rôle de %(user)s mis à jour.",
    "%(user)s no longer has access to this workspace.": "%(user)s n'a plus accès à cet espace.",
    "Invitation to %(email)s withdrawn.": "Invitation à %(email)s retirée.",
    "Welcome to %(name)s!": "Bienvenue dans %(name)s !",
}


def main(po_path: str) -> int:
    catalogue = polib.pofile(po_path)
    missing = []
    for entry in catalogue:
        translation = FR.get(entry.msgid)
        if translation is None:
            missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            assert isinstance(translation, tuple)
            entry.msgstr_plural = {0: translation[0], 1: translation[1]}
        else:
            assert isinstance(translation, str)
            entry.msgstr = translation
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalogue.save(po_path)
    catalogue.save_as_mofile(str(Path(po_path).with_suffix(".mo")))
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
