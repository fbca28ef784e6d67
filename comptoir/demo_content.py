"""What the demo workspaces contain: channels, editorial line, posts and inbox of a Nantes bakery and a town hall.

Plain data, read by comptoir.demo. Days are counted from the day the demo is created, hours are wall-clock
times in the workspace's zone, so the calendar and the inbox look current whenever the demo is run.
"""

from __future__ import annotations

from dataclasses import dataclass

from comptoir.providers.base import InboxKind

# Why the demo's failed post failed: what a revoked Bluesky app password looks like to the CM.
PUBLISH_FAILURE = (
    "Bluesky a refusé la connexion : le mot de passe d'application a été révoqué. Reconnectez le canal, "
    "puis reprogrammez la publication."
)

# Where the channels page sends the CM: these accounts were never connected, Comptoir holds no real token.
RECONNECT_MESSAGE = (
    "Canal de démonstration : aucun compte réel n'est relié. Reconnectez-le avec votre propre compte pour "
    "publier et recevoir les messages."
)


@dataclass(frozen=True)
class ChannelSeed:
    network: str
    account_id: str
    name: str
    handle: str


@dataclass(frozen=True)
class PillarSeed:
    name: str
    color: str
    target_share: int
    description: str


@dataclass(frozen=True)
class ImageSeed:
    """A picture drawn by the demo (no file shipped): a background colour, a round motif and a caption."""

    name: str
    background: str
    motif: str
    caption: str
    alt_text: str


class Stage:
    """How far a demo post went: the publisher's end states are written as history, the others through the
    review workflow."""

    PUBLISHED = "published"
    FAILED = "failed"  # published on every channel but `failed_on`
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"


@dataclass(frozen=True)
class PostSeed:
    title: str
    pillar: str
    day: int
    at: str
    texts: dict[str, str]
    stage: str
    image: str = ""
    failed_on: str = ""
    review_comment: str = ""
    # A draft sent back by its reviewer with this comment.
    changes_requested: str = ""
    # Who an outside review link was made for.
    review_link: str = ""
    internal_note: str = ""


@dataclass(frozen=True)
class ConversationSeed:
    """One conversation: the person's messages (hours ago, text), then what the team did with it."""

    key: str
    network: str
    kind: InboxKind
    author: tuple[str, str]
    messages: tuple[tuple[float, str], ...]
    title: str = ""
    status: str = "open"
    assignee: str = ""  # a member's e-mail, or "owner": the demo account
    labels: tuple[str, ...] = ()
    note: str = ""
    reply: str = ""
    route_to: str = ""


@dataclass(frozen=True)
class RuleSeed:
    name: str
    conditions: tuple[tuple[str, str, str], ...]  # (kind, argument, value) as the rule builder sends them
    actions: tuple[tuple[str, str], ...]  # (kind, name of the label or department, or "")
    match: str = "all"
    stop: bool = False


@dataclass(frozen=True)
class WorkspaceContent:
    channels: tuple[ChannelSeed, ...]
    pillars: tuple[PillarSeed, ...]
    posts: tuple[PostSeed, ...]
    conversations: tuple[ConversationSeed, ...]
    images: tuple[ImageSeed, ...] = ()
    forbidden: str = ""
    required: str = ""
    emoji_policy: str = "free"
    emoji_max: int = 3
    campaigns: tuple[tuple[str, str, str, str], ...] = ()  # (name, first day, last day, colour); see demo
    queue_slots: tuple[tuple[str, int, str], ...] = ()  # (network, weekday, "HH:MM")
    labels: tuple[tuple[str, str], ...] = ()
    saved_replies: tuple[tuple[str, str, str, str], ...] = ()  # (title, body, language, shortcut)
    departments: tuple[tuple[str, str], ...] = ()
    rules: tuple[RuleSeed, ...] = ()
    first_response_minutes: int = 240
    resolution_minutes: int = 1080
    approval_required: bool = False


BAKERY_CHANNELS = (
    ChannelSeed("mastodon", "demo-lemoine-mastodon", "Boulangerie Lemoine", "@lemoine@piaille.fr"),
    ChannelSeed("bluesky", "demo-lemoine-bluesky", "Lemoine Nantes", "lemoine-nantes.bsky.social"),
    ChannelSeed("facebook", "demo-lemoine-facebook", "Boulangerie Lemoine – Nantes", "BoulangerieLemoine"),
    ChannelSeed("instagram", "demo-lemoine-instagram", "boulangerie.lemoine", "@boulangerie.lemoine"),
    ChannelSeed("email", "demo-lemoine-email", "contact@", "contact@lemoine.example"),
    ChannelSeed(
        "matrix", "demo-lemoine-matrix", "Les voisins de la boulangerie", "#quartier-zola:matrix.org"
    ),
)

BAKERY_PILLARS = (
    PillarSeed("Savoir-faire", "#b45309", 30, "Le levain, les farines, les gestes du fournil."),
    PillarSeed("Produits de saison", "#15803d", 25, "Ce qui arrive en vitrine selon la saison."),
    PillarSeed("Coulisses", "#7c3aed", 15, "L'équipe, les nuits au fournil, les livraisons."),
    PillarSeed("Vie du quartier", "#0369a1", 20, "Le marché Zola, les écoles, les associations voisines."),
    PillarSeed("Offres", "#dc2626", 10, "Promotions, fidélité, précommandes."),
)

BAKERY_IMAGES = (
    ImageSeed("croissants", "#f3d9a4", "#c27c2c", "Croissants", "Croissants dorés sur une grille."),
    ImageSeed("levain", "#e8d5b9", "#8a5a2b", "Levain", "Une miche au levain fendue sur le plan de travail."),
    ImageSeed("fournil", "#3b2a20", "#e0823d", "Fournil, 4 h", "Le four ouvert, la nuit, au fournil."),
    ImageSeed("figues", "#efe2f0", "#7b3f73", "Pain aux figues", "Tranches de pain aux figues et noix."),
    ImageSeed("galette", "#f6e7c1", "#d4a017", "Galette", "Une galette frangipane et sa couronne dorée."),
    ImageSeed("sarah", "#dbeafe", "#1d4ed8", "Sarah", "Sarah, apprentie, façonne des baguettes."),
)

BAKERY_POSTS = (
    PostSeed(
        "Le levain de Marc a 20 ans",
        "Savoir-faire",
        -26,
        "08:00",
        {
            "mastodon": "Notre levain fête ses 20 ans ce mois-ci. Marc le nourrit chaque matin depuis 2006 : "
            "farine de seigle, eau tiède et beaucoup de patience. C'est lui qui donne son goût à la miche "
            "du quartier.",
            "facebook": "Notre levain fête ses 20 ans ! Marc le nourrit chaque matin depuis 2006 avec de la "
            "farine de seigle et de l'eau tiède. Venez goûter la miche du quartier, elle sort du four à 7 h.",
            "instagram": "20 ans de levain, nourri chaque matin par Marc. La miche sort à 7 h. "
            "#BoulangerieLemoine #levain #Nantes",
        },
        Stage.PUBLISHED,
        image="levain",
    ),
    PostSeed(
        "Nouveau : pain aux figues et noix",
        "Produits de saison",
        -22,
        "07:30",
        {
            "facebook": "Nouveau en vitrine : le pain aux figues et aux noix, parfait avec un fromage de "
            "chèvre. Disponible du mardi au samedi, tant que les figues sont là.",
            "instagram": "Pain aux figues et noix, du mardi au samedi. Avec un chèvre frais, c'est parfait. "
            "#BoulangerieLemoine #pain",
            "bluesky": "Nouveau : pain aux figues et aux noix, du mardi au samedi. Parfait avec un chèvre.",
        },
        Stage.PUBLISHED,
        image="figues",
    ),
    PostSeed(
        "4 h du matin au fournil",
        "Coulisses",
        -19,
        "18:00",
        {
            "instagram": "4 h du matin : le four est chaud, les premières baguettes sont façonnées. "
            "Vous dormez, on pétrit. #BoulangerieLemoine #coulisses",
            "mastodon": "4 h du matin au fournil : le four chauffe, les premières baguettes sont façonnées. "
            "Petit tour des coulisses avant l'ouverture.",
        },
        Stage.PUBLISHED,
        image="fournil",
    ),
    PostSeed(
        "Marché de la place Zola samedi",
        "Vie du quartier",
        -15,
        "12:00",
        {
            "facebook": "Samedi, retrouvez-nous au marché de la place Zola, stand 12, avec des fouaces et "
            "des brioches vendéennes. On vous attend de 8 h à 13 h !",
            "mastodon": "Samedi, on sera au marché de la place Zola (stand 12) avec fouaces et brioches. "
            "De 8 h à 13 h.",
            "bluesky": "Samedi au marché Zola, stand 12 : fouaces et brioches vendéennes, de 8 h à 13 h.",
            "matrix": "Bonjour les voisins ! Samedi on tient le stand 12 au marché de la place Zola, "
            "passez dire bonjour.",
        },
        Stage.PUBLISHED,
    ),
    PostSeed(
        "Viennoiseries à -20 % après 18 h",
        "Offres",
        -12,
        "17:00",
        {
            "facebook": "Anti-gaspi : chaque soir après 18 h, les viennoiseries du jour sont à -20 %. "
            "Moins de gâchis, plus de gourmandise.",
            "instagram": "Anti-gaspi : -20 % sur les viennoiseries du jour après 18 h. "
            "#BoulangerieLemoine #antigaspi",
        },
        Stage.PUBLISHED,
        image="croissants",
    ),
    PostSeed(
        "Les croissants au beurre AOP",
        "Savoir-faire",
        -8,
        "07:30",
        {
            "mastodon": "Pourquoi nos croissants sont-ils si feuilletés ? Du beurre AOP Charentes-Poitou, "
            "trois tours simples et une nuit de repos au froid.",
            "bluesky": "Nos croissants : beurre AOP Charentes-Poitou, trois tours et une nuit au froid.",
        },
        Stage.FAILED,
        failed_on="bluesky",
    ),
    PostSeed(
        "Portrait : Sarah, notre apprentie",
        "Coulisses",
        -5,
        "17:00",
        {
            "facebook": "Voici Sarah, en deuxième année d'apprentissage. Sa spécialité : les baguettes "
            "tradition, façonnées à la main chaque matin. Bravo Sarah !",
            "instagram": "Sarah, apprentie en 2e année, façonne nos baguettes tradition chaque matin. "
            "#BoulangerieLemoine #apprentissage",
        },
        Stage.PUBLISHED,
        image="sarah",
    ),
    PostSeed(
        "Soupe et pain du jour",
        "Produits de saison",
        -2,
        "11:30",
        {
            "mastodon": "Cette semaine le midi : soupe potiron-châtaigne et tranche de pain au levain, 6,50 €.",
            "facebook": "Nouvelle formule du midi : soupe potiron-châtaigne et pain au levain, 6,50 €. "
            "À emporter du mardi au samedi.",
        },
        Stage.PUBLISHED,
    ),
    PostSeed(
        "Atelier pain pour les enfants",
        "Vie du quartier",
        2,
        "10:00",
        {
            "facebook": "Mercredi après-midi, atelier pain pour les 6-10 ans avec l'école Jean-Macé : "
            "chacun repart avec sa boule. Places limitées, inscription en boutique.",
            "matrix": "Atelier pain pour les enfants mercredi (6-10 ans). Inscriptions en boutique !",
        },
        Stage.DRAFT,
        internal_note="Attendre la confirmation de l'école avant de soumettre.",
    ),
    PostSeed(
        "Carte de fidélité",
        "Offres",
        3,
        "08:00",
        {
            "facebook": "Nouveau : la carte de fidélité Lemoine. Dix baguettes achetées, la onzième offerte.",
            "instagram": "Dix baguettes, la onzième offerte : voici la carte de fidélité. "
            "#BoulangerieLemoine",
        },
        Stage.IN_REVIEW,
        image="croissants",
        review_comment="Peut-on préciser que la carte est gratuite et qu'elle marche aussi pour la tradition ?",
    ),
    PostSeed(
        "Farine T80 du Moulin de la Sèvre",
        "Produits de saison",
        5,
        "07:30",
        {
            "mastodon": "Nouvelle farine : une T80 moulue sur meule au Moulin de la Sèvre, à 30 km d'ici. "
            "Plus de goût, plus de fibres.",
            "facebook": "Notre nouvelle farine T80 vient du Moulin de la Sèvre, à 30 km de la boutique. "
            "Moulue sur meule, elle donne une mie plus parfumée.",
            "instagram": "T80 moulue sur meule au Moulin de la Sèvre. #BoulangerieLemoine #farine",
        },
        Stage.APPROVED,
        image="levain",
    ),
    PostSeed(
        "Recette : pain perdu brioché",
        "Savoir-faire",
        8,
        "18:30",
        {
            "mastodon": "Recette anti-gaspi : le pain perdu brioché. Trempez, dorez, sucrez. Le détail en "
            "réponse.",
            "bluesky": "Recette anti-gaspi du week-end : le pain perdu brioché.",
            "facebook": "Recette anti-gaspi du week-end : le pain perdu brioché, avec notre brioche de la "
            "veille. Trois œufs, 25 cl de lait, une poêle chaude.",
        },
        Stage.DRAFT,
        changes_requested="Ajoutons une photo du pain perdu, sinon personne n'aura envie d'essayer.",
    ),
    PostSeed(
        "Visite du fournil le samedi",
        "Coulisses",
        11,
        "09:00",
        {
            "facebook": "Envie de voir le fournil ? Visite gratuite le samedi à 9 h, sur inscription.",
            "instagram": "Le fournil se visite le samedi à 9 h, sur inscription. #BoulangerieLemoine",
        },
        Stage.APPROVED,
        image="fournil",
    ),
    PostSeed(
        "Galette des rois : précommandes",
        "Offres",
        15,
        "08:00",
        {
            "facebook": "Les précommandes de galettes des rois sont ouvertes : frangipane, pomme ou "
            "briochée. Commandez en boutique ou par e-mail.",
            "instagram": "Frangipane, pomme ou briochée : précommandez votre galette. "
            "#BoulangerieLemoine #galette",
            "mastodon": "Précommandes de galettes des rois ouvertes : frangipane, pomme ou briochée.",
        },
        Stage.IN_REVIEW,
        image="galette",
        review_comment="D'accord sur le principe, mais donnons les prix dans le texte Facebook.",
        review_link="Agence Levain (Nadia)",
    ),
    PostSeed(
        "Fête de l'école Jean-Macé",
        "Vie du quartier",
        19,
        "16:30",
        {
            "facebook": "Nous offrons les brioches du goûter de la fête de l'école Jean-Macé. Bonne fête "
            "aux enfants et aux parents !",
            "matrix": "On fournit les brioches pour la fête de l'école Jean-Macé, à vendredi !",
        },
        Stage.DRAFT,
    ),
    PostSeed(
        "Le pain de campagne, pas à pas",
        "Savoir-faire",
        24,
        "08:00",
        {
            "mastodon": "Série « pas à pas » : le pain de campagne, du pétrissage à la cuisson. Épisode 1 : "
            "l'autolyse.",
            "bluesky": "Nouvelle série : le pain de campagne pas à pas. Épisode 1, l'autolyse.",
        },
        Stage.DRAFT,
    ),
    PostSeed(
        "Le saviez-vous : la baguette tradition",
        "Savoir-faire",
        13,
        "07:30",
        {
            "mastodon": "Le saviez-vous ? Une baguette « tradition » ne contient que farine, eau, sel et "
            "levure ou levain, sans aucun additif. C'est la loi depuis 1993.",
            "bluesky": "Le saviez-vous ? La baguette tradition : farine, eau, sel, levain. Rien d'autre.",
        },
        Stage.APPROVED,
    ),
    PostSeed(
        "Nos fournisseurs : la ferme des Trois Chênes",
        "Produits de saison",
        17,
        "12:00",
        {
            "facebook": "Le lait et la crème de nos brioches viennent de la ferme des Trois Chênes, à "
            "Vertou. Rencontre avec Anne et Yves, éleveurs depuis trente ans.",
            "instagram": "Anne et Yves, de la ferme des Trois Chênes, nous livrent lait et crème. "
            "#BoulangerieLemoine #circuitcourt",
        },
        Stage.DRAFT,
        image="levain",
    ),
    PostSeed(
        "Livraisons du matin en vélo-cargo",
        "Coulisses",
        22,
        "07:00",
        {
            "mastodon": "Depuis ce mois-ci, les livraisons aux cafés du quartier se font en vélo-cargo. "
            "Zéro moteur, et Julien a de sacrés mollets.",
            "facebook": "Nos livraisons du matin passent au vélo-cargo : cafés, crèches et bureaux du "
            "quartier sont servis sans moteur.",
        },
        Stage.DRAFT,
    ),
    PostSeed(
        "La brioche vendéenne, pas à pas",
        "Savoir-faire",
        27,
        "18:00",
        {
            "mastodon": "Épisode 2 de la série pas à pas : la brioche vendéenne, sa pâte à la crème "
            "fraîche et sa tresse à trois brins.",
            "bluesky": "Pas à pas, épisode 2 : la brioche vendéenne et sa tresse à trois brins.",
        },
        Stage.DRAFT,
    ),
)

# Handles look like each network's; nobody here exists.
BAKERY_CONVERSATIONS = (
    ConversationSeed(
        "levain-merci",
        "facebook",
        InboxKind.COMMENT,
        ("fb-1001", "Claire Dubreuil"),
        (
            (
                600,
                "Joyeux anniversaire au levain ! Votre miche est la meilleure de Nantes, on ne s'en lasse pas.",
            ),
        ),
        title="Le levain de Marc a 20 ans",
        status="done",
        reply="Merci Claire ! Marc est ravi, il vous garde une miche samedi.",
    ),
    ConversationSeed(
        "horaires-dimanche",
        "facebook",
        InboxKind.DIRECT_MESSAGE,
        ("fb-1002", "Thomas Garnier"),
        ((30, "Bonjour, vous êtes ouverts le dimanche après-midi ? Je voudrais passer vers 16 h."),),
        assignee="sarah.benali@lemoine.example",
        reply="Bonjour Thomas, le dimanche nous fermons à 13 h. À bientôt !",
    ),
    ConversationSeed(
        "allergenes-figues",
        "instagram",
        InboxKind.COMMENT,
        ("ig-2001", "lea.cuisine"),
        (
            (
                500,
                "Est-ce que le pain aux figues contient des fruits à coque ? Ma fille est allergique aux noix.",
            ),
        ),
        title="Pain aux figues et noix",
        status="done",
        reply="Bonjour Léa, oui : il contient des noix, et l'atelier travaille aussi noisettes et amandes. "
        "Nous ne pouvons donc pas garantir l'absence de traces. La liste des allergènes est affichée en boutique.",
        labels=("SAV",),
    ),
    ConversationSeed(
        "baguette-trop-cuite",
        "facebook",
        InboxKind.COMMENT,
        ("fb-1003", "Jérôme Piton"),
        (
            (52, "Baguette trop cuite ce matin, presque brûlée. Franchement décevant pour le prix."),
            (49, "Et ce n'est pas la première fois cette semaine."),
        ),
        title="Soupe et pain du jour",
        assignee="sarah.benali@lemoine.example",
        labels=("SAV",),
        note="Fournée de 7 h trop longue mardi (sonde du four à vérifier). Proposer un geste : baguette offerte.",
    ),
    ConversationSeed(
        "attente-samedi",
        "mastodon",
        InboxKind.MENTION,
        ("masto-3001", "@karim@mastodon.social"),
        ((28, "@lemoine 25 minutes d'attente samedi matin pour deux croissants… Une deuxième caisse ?"),),
        labels=("SAV",),
    ),
    ConversationSeed(
        "piece-montee",
        "email",
        InboxKind.EMAIL,
        ("aurelie.martin@courriel.example", "Aurélie Martin"),
        (
            (
                26,
                "Bonjour,\n\nNous nous marions le 12 juin et je voudrais commander une pièce montée de 80 "
                "choux (vanille et caramel beurre salé). Pouvez-vous me faire un devis ?\n\nMerci,\nAurélie",
            ),
        ),
        title="Devis pièce montée pour un mariage",
        assignee="owner",
        labels=("Lead",),
        reply="Bonjour Aurélie, félicitations ! Pour 80 choux vanille et caramel beurre salé, comptez 3,20 € le chou, soit 256 €, nougatine et décor compris. Voulez-vous passer en boutique pour en parler ?",
    ),
    ConversationSeed(
        "journaliste",
        "email",
        InboxKind.EMAIL,
        ("p.morel@ouest-quotidien.example", "Pauline Morel"),
        (
            (
                70,
                "Bonjour, je prépare un article sur les boulangeries de quartier nantaises pour Ouest "
                "Quotidien. Seriez-vous disponibles pour une interview et quelques photos au fournil "
                "la semaine prochaine ?",
            ),
        ),
        title="Article sur les boulangeries de quartier",
        status="pending",
        labels=("Presse",),
        note="Marc est d'accord pour mardi matin ; attendre la confirmation de la photographe.",
        route_to="Presse",
        reply="Bonjour Pauline, avec plaisir ! Marc peut vous recevoir mardi à 6 h au fournil, c'est le meilleur moment pour les photos.",
    ),
    ConversationSeed(
        "spam-iphone",
        "instagram",
        InboxKind.COMMENT,
        ("ig-2099", "promo.gagnant.2026"),
        (
            (
                8,
                "GAGNEZ un iPhone gratuit !!! Cliquez vite sur le lien dans ma bio, offre limitée http://bit.ly/xx",
            ),
        ),
        title="Viennoiseries à -20 % après 18 h",
    ),
    ConversationSeed(
        "insulte",
        "mastodon",
        InboxKind.REPLY,
        ("masto-3002", "@rageux@piaille.fr"),
        ((6, "Bande de connards, vos prix sont une arnaque et votre pain est dégueulasse."),),
        title="Soupe et pain du jour",
    ),
    ConversationSeed(
        "english-visitor",
        "instagram",
        InboxKind.DIRECT_MESSAGE,
        ("ig-2002", "emma.travels"),
        ((20, "Hi! Are you open on Monday? We are visiting Nantes and would love to try your croissants."),),
    ),
    ConversationSeed(
        "gluten",
        "instagram",
        InboxKind.COMMENT,
        ("ig-2003", "marie_sans_gluten"),
        ((44, "Vous faites du pain sans gluten ? Ce serait top pour les cœliaques du quartier."),),
        title="Farine T80 du Moulin de la Sèvre",
        assignee="sarah.benali@lemoine.example",
        reply="Bonjour Marie, pas encore : notre fournil n'est pas séparé, nous ne pouvons pas garantir l'absence de gluten. On y réfléchit pour l'an prochain.",
    ),
    ConversationSeed(
        "commande-buche",
        "facebook",
        InboxKind.DIRECT_MESSAGE,
        ("fb-1004", "Nathalie Roux"),
        ((5, "Bonjour, je voudrais commander deux bûches chocolat-poire pour le 24, c'est possible ?"),),
    ),
    ConversationSeed(
        "bravo-sarah",
        "facebook",
        InboxKind.COMMENT,
        ("fb-1005", "Michel Tessier"),
        ((110, "Bravo Sarah ! Ses baguettes sont parfaites, continuez comme ça."),),
        title="Portrait : Sarah, notre apprentie",
        status="done",
        reply="Merci Michel, on lui transmet, elle va être fière !",
    ),
    ConversationSeed(
        "marche-zola",
        "matrix",
        InboxKind.MESSAGE,
        ("@juliette:matrix.org", "Juliette (asso Zola)"),
        (
            (
                340,
                "Merci pour le stand au marché samedi ! Vous seriez partants pour la fête de quartier en juin ?",
            ),
        ),
        labels=("Lead",),
        status="pending",
        note="Réponse à faire après la réunion d'équipe de lundi.",
    ),
    ConversationSeed(
        "croissant-bluesky",
        "bluesky",
        InboxKind.MENTION,
        ("did:plc:demo4001", "antoine-nantes.bsky.social"),
        ((16, "Meilleur croissant du quartier chez @lemoine-nantes.bsky.social, je valide à 100 %."),),
        reply="Merci Antoine, à demain matin alors !",
    ),
    ConversationSeed(
        "prix-baguette",
        "bluesky",
        InboxKind.REPLY,
        ("did:plc:demo4002", "sophie-b.bsky.social"),
        ((40, "La baguette à 1,30 €, ça fait cher quand même, non ?"),),
        title="Nos croissants : beurre AOP",
        reply="Bonjour Sophie, c'est une tradition au levain, farine locale et 20 h de fermentation : on préfère vous dire d'où vient le prix !",
    ),
    ConversationSeed(
        "livraison-bureau",
        "email",
        InboxKind.EMAIL,
        ("achats@agence-horizon.example", "Agence Horizon"),
        (
            (
                55,
                "Bonjour, nous cherchons un fournisseur de viennoiseries pour nos réunions du lundi (30 "
                "personnes). Livrez-vous les entreprises du quartier ? Quels tarifs ?",
            ),
        ),
        title="Viennoiseries pour nos réunions",
        labels=("Lead",),
        reply="Bonjour, oui, nous livrons à vélo-cargo dans le quartier le lundi à partir de 8 h. Pour 30 personnes, comptez 45 € (60 mini-viennoiseries). Nous vous envoyons un devis.",
    ),
    ConversationSeed(
        "horaires-noel",
        "mastodon",
        InboxKind.DIRECT_MESSAGE,
        ("masto-3003", "@isabelle@framapiaf.org"),
        ((3, "Bonjour ! Quels seront vos horaires pendant les fêtes ?"),),
    ),
    ConversationSeed(
        "retard-commande",
        "email",
        InboxKind.EMAIL,
        ("g.leroy@courriel.example", "Gérard Leroy"),
        (
            (
                75,
                "Bonjour, j'avais commandé un gâteau d'anniversaire pour 11 h et il n'était pas prêt à "
                "11 h 30. Nous avons attendu avec les enfants. Je suis très déçu.",
            ),
        ),
        title="Commande pas prête à l'heure",
        assignee="sarah.benali@lemoine.example",
        labels=("SAV",),
        reply="Bonjour Monsieur Leroy, nous sommes vraiment désolés pour cette attente. Le gâteau vous a été remboursé et nous vous offrons le prochain. Cela ne doit pas se reproduire.",
    ),
    ConversationSeed(
        "photo-fournil",
        "instagram",
        InboxKind.COMMENT,
        ("ig-2004", "nantes.gourmande"),
        ((430, "Superbe photo ! On sent la chaleur du four d'ici 🔥"),),
        title="4 h du matin au fournil",
        status="done",
        reply="Merci ! Et encore, la photo ne rend pas l'odeur.",
    ),
    ConversationSeed(
        "vegan",
        "facebook",
        InboxKind.COMMENT,
        ("fb-1006", "Hugo Lambert"),
        ((22, "Est-ce que vous avez des viennoiseries vegan ? Sans beurre ni œufs ?"),),
        title="Viennoiseries à -20 % après 18 h",
    ),
    ConversationSeed(
        "stage",
        "email",
        InboxKind.EMAIL,
        ("lucas.durand@courriel.example", "Lucas Durand"),
        (
            (
                96,
                "Bonjour, je suis en CAP boulanger et je cherche un stage de trois semaines en février. "
                "Prenez-vous des stagiaires ? Je joins mon CV.",
            ),
        ),
        title="Demande de stage en février",
        status="pending",
        reply="Bonjour Lucas, merci pour votre candidature. Marc vous rappelle cette semaine pour fixer un rendez-vous.",
    ),
    ConversationSeed(
        "tourist-gluten",
        "mastodon",
        InboxKind.MENTION,
        ("masto-3004", "@ben@mastodon.online"),
        ((12, "@lemoine Your sourdough was the best bread we had in France. Thank you!"),),
        reply="Thank you Ben, come back soon!",
    ),
    ConversationSeed(
        "atelier-enfants",
        "matrix",
        InboxKind.MESSAGE,
        ("@paul:matrix.org", "Paul, parent d'élève"),
        ((9, "Il reste des places pour l'atelier pain des enfants ? Mon fils a 8 ans."),),
    ),
    ConversationSeed(
        "parking",
        "facebook",
        InboxKind.COMMENT,
        ("fb-1007", "Danielle Perrin"),
        ((34, "Dommage qu'on ne puisse jamais se garer devant, j'ai renoncé deux fois cette semaine."),),
        title="Marché de la place Zola samedi",
    ),
    ConversationSeed(
        "merci-soupe",
        "mastodon",
        InboxKind.REPLY,
        ("masto-3005", "@chloe@piaille.fr"),
        ((46, "La soupe potiron-châtaigne était délicieuse, merci pour la formule du midi !"),),
        title="Soupe et pain du jour",
        status="done",
        reply="Merci Chloé ! La semaine prochaine : soupe de lentilles corail.",
    ),
    ConversationSeed(
        "fidelite-question",
        "instagram",
        InboxKind.DIRECT_MESSAGE,
        ("ig-2005", "vincent.nts"),
        ((2, "Salut, vous avez une carte de fidélité ? Je viens tous les jours 😄"),),
    ),
)

BAKERY_CONTENT = WorkspaceContent(
    channels=BAKERY_CHANNELS,
    pillars=BAKERY_PILLARS,
    posts=BAKERY_POSTS,
    conversations=BAKERY_CONVERSATIONS,
    images=BAKERY_IMAGES,
    forbidden="pas cher\nlow-cost\nindustriel\nmeilleur de France",
    required="instagram: #BoulangerieLemoine",
    emoji_policy="limited",
    emoji_max=2,
    campaigns=(
        ("Galette des rois", "01-02", "01-31", "#d4a017"),
        ("Semaine du goût", "10-12", "10-18", "#15803d"),
        ("Bûches de Noël : précommandes", "12-01", "12-23", "#b91c1c"),
    ),
    queue_slots=(
        ("facebook", 1, "08:00"),
        ("facebook", 4, "17:00"),
        ("instagram", 2, "12:30"),
        ("instagram", 5, "09:00"),
        ("mastodon", 0, "07:30"),
        ("mastodon", 3, "07:30"),
    ),
    labels=(("SAV", "#dc2626"), ("Commande", "#2563eb"), ("Presse", "#7c3aed"), ("Lead", "#059669")),
    saved_replies=(
        (
            "Horaires",
            "Bonjour {{ first_name }}, la boutique est ouverte du mardi au vendredi de 7 h à 13 h et de "
            "15 h 30 à 19 h 30, le samedi de 7 h à 19 h 30 et le dimanche de 7 h à 13 h. À bientôt ! "
            "{{ agent }}, {{ brand }}",
            "fr",
            "/horaires",
        ),
        (
            "Allergènes",
            "Bonjour {{ first_name }}, la liste des allergènes de chaque produit est affichée en boutique et "
            "nous pouvons vous l'envoyer par e-mail. L'atelier travaille farine de blé, œufs, lait et fruits "
            "à coque : nous ne pouvons pas garantir l'absence de traces. {{ agent }}",
            "fr",
            "/allergenes",
        ),
        (
            "Pièce montée : devis",
            "Bonjour {{ name }}, merci pour votre demande ! Pour établir le devis, pouvez-vous nous "
            "indiquer la date, le nombre de personnes et les parfums souhaités ? Comptez trois semaines de "
            "délai. {{ agent }}, {{ brand }}",
            "fr",
            "/devis",
        ),
        (
            "Excuses produit",
            "Bonjour {{ first_name }}, nous sommes désolés : ce n'est pas la qualité que nous voulons vous "
            "servir. Passez en boutique, votre prochaine baguette vous est offerte. {{ agent }}",
            "fr",
            "/excuses",
        ),
        (
            "Opening hours (EN)",
            "Hello {{ first_name }}, we are open Tuesday to Saturday, 7 am to 1 pm and 3:30 to 7:30 pm, "
            "and Sunday morning. Closed on Mondays. See you soon! {{ brand }}",
            "en",
            "/hours",
        ),
    ),
    departments=(("SAV", "sav@lemoine.example"), ("Presse", "presse@lemoine.example")),
    rules=(
        RuleSeed(
            "Spam → file de modération",
            (("score", "spam:spam", "0.8"), ("keywords", "", "gagnez, bit.ly")),
            (("queue", ""),),
            match="any",
            stop=True,
        ),
        # Hiding calls the network: only a word list triggers it, never a classifier score, so the demo's
        # outcome does not depend on the model (the insult sits on Mastodon, which cannot hide: logged, no call).
        RuleSeed(
            "Insultes → masquer",
            (("keywords", "", "connard, connards, dégueulasse, abruti"),),
            (("hide", ""), ("queue", "")),
        ),
        RuleSeed(
            "Propos offensants → file de modération",
            (("score", "offensive:offensive", "0.8"),),
            (("queue", ""),),
        ),
        RuleSeed(
            "Commande → SAV",
            (("keywords", "", "commande, commander, pièce montée, devis"),),
            (("label", "Commande"), ("route", "SAV")),
        ),
    ),
    first_response_minutes=120,
    resolution_minutes=960,
    approval_required=True,
)

TOWN_HALL_CHANNELS = (
    ChannelSeed(
        "facebook", "demo-saint-aubin-facebook", "Mairie de Saint-Aubin-sur-Loire", "MairieSaintAubin"
    ),
    ChannelSeed("mastodon", "demo-saint-aubin-mastodon", "Saint-Aubin-sur-Loire", "@mairie@social.example"),
    ChannelSeed("email", "demo-saint-aubin-email", "accueil@", "accueil@saint-aubin.example"),
)

TOWN_HALL_PILLARS = (
    PillarSeed("Vie municipale", "#1d4ed8", 40, "Conseils municipaux, démarches, services."),
    PillarSeed("Travaux", "#ea580c", 20, "Chantiers, voirie, coupures."),
    PillarSeed("Culture et loisirs", "#9333ea", 25, "Médiathèque, fêtes, associations."),
    PillarSeed("Solidarité", "#16a34a", 15, "CCAS, aînés, collectes."),
)

TOWN_HALL_POSTS = (
    PostSeed(
        "Conseil municipal du jeudi",
        "Vie municipale",
        -10,
        "09:00",
        {
            "facebook": "Le conseil municipal se réunit jeudi à 19 h, salle des fêtes. Ordre du jour sur le "
            "site de la mairie. La séance est publique.",
            "mastodon": "Conseil municipal jeudi à 19 h, salle des fêtes. Séance publique.",
        },
        Stage.PUBLISHED,
    ),
    PostSeed(
        "Travaux rue de la Loire",
        "Travaux",
        -4,
        "08:30",
        {
            "facebook": "Réfection de la chaussée rue de la Loire du lundi au vendredi : circulation "
            "alternée, stationnement interdit. Merci de votre patience.",
        },
        Stage.PUBLISHED,
    ),
    PostSeed(
        "Marché de Noël de la médiathèque",
        "Culture et loisirs",
        6,
        "10:00",
        {
            "facebook": "Samedi, marché de Noël des associations devant la médiathèque, de 10 h à 18 h. "
            "Vin chaud, chorale et ateliers pour les enfants.",
            "mastodon": "Samedi, marché de Noël des associations devant la médiathèque, de 10 h à 18 h.",
        },
        Stage.DRAFT,
    ),
    PostSeed(
        "Colis des aînés",
        "Solidarité",
        9,
        "14:00",
        {
            "facebook": "Le CCAS distribue les colis des aînés le mercredi 16, de 14 h à 17 h, en mairie. "
            "Les personnes ne pouvant se déplacer sont livrées à domicile.",
        },
        Stage.DRAFT,
    ),
    PostSeed(
        "Horaires d'hiver de la mairie",
        "Vie municipale",
        -1,
        "09:00",
        {
            "facebook": "À partir de lundi, l'accueil de la mairie ferme à 17 h le vendredi. Les autres "
            "horaires ne changent pas.",
            "mastodon": "Horaires d'hiver : l'accueil de la mairie ferme à 17 h le vendredi.",
        },
        Stage.PUBLISHED,
    ),
    PostSeed(
        "Coupure d'eau rue des Écoles",
        "Travaux",
        3,
        "08:00",
        {
            "facebook": "Jeudi de 9 h à 12 h, l'eau sera coupée rue des Écoles pour le remplacement d'une "
            "canalisation. Pensez à faire vos réserves.",
            "mastodon": "Jeudi 9 h-12 h : coupure d'eau rue des Écoles (travaux sur canalisation).",
        },
        Stage.DRAFT,
    ),
    PostSeed(
        "Recensement de la population",
        "Vie municipale",
        13,
        "10:00",
        {
            "facebook": "Le recensement commence en janvier : trois agents recenseurs munis d'une carte "
            "officielle passeront chez vous. Vous pourrez aussi répondre en ligne.",
        },
        Stage.DRAFT,
    ),
    PostSeed(
        "Vœux du maire",
        "Vie municipale",
        20,
        "18:00",
        {
            "facebook": "Le maire et le conseil municipal vous invitent à la cérémonie des vœux, vendredi "
            "à 18 h 30, salle des fêtes.",
            "mastodon": "Cérémonie des vœux du maire vendredi à 18 h 30, salle des fêtes. Vous êtes invités !",
        },
        Stage.DRAFT,
    ),
)

TOWN_HALL_CONVERSATIONS = (
    ConversationSeed(
        "travaux-bruit",
        "facebook",
        InboxKind.COMMENT,
        ("fb-5001", "Bernard Coutant"),
        ((20, "Les travaux commencent à 7 h, c'est insupportable pour les riverains."),),
        title="Travaux rue de la Loire",
        labels=("Voirie",),
    ),
    ConversationSeed(
        "cantine",
        "email",
        InboxKind.EMAIL,
        ("famille.gautier@courriel.example", "Famille Gautier"),
        ((30, "Bonjour, comment inscrire notre fils à la cantine pour la rentrée de janvier ?"),),
        title="Inscription cantine",
        labels=("Scolaire",),
        assignee="service.communication@saint-aubin.example",
    ),
    ConversationSeed(
        "nid-de-poule",
        "mastodon",
        InboxKind.MENTION,
        ("masto-6001", "@cycliste@social.example"),
        ((50, "@mairie gros nid-de-poule chemin des Vignes, dangereux à vélo la nuit."),),
        labels=("Voirie",),
        status="pending",
        note="Signalé aux services techniques, intervention prévue vendredi.",
        reply="Merci pour le signalement : les services techniques interviennent vendredi. En attendant, un panneau signale le danger.",
    ),
    ConversationSeed(
        "merci-conseil",
        "facebook",
        InboxKind.COMMENT,
        ("fb-5002", "Anne-Marie Joly"),
        ((230, "Merci pour la retransmission du conseil, très pratique pour ceux qui travaillent tard."),),
        title="Conseil municipal du jeudi",
        status="done",
        reply="Merci Anne-Marie, la retransmission sera reconduite à chaque séance.",
    ),
    ConversationSeed(
        "salle-des-fetes",
        "email",
        InboxKind.EMAIL,
        ("asso.loisirs@courriel.example", "Association Loisirs et Amitié"),
        ((80, "Bonjour, la salle des fêtes est-elle disponible le samedi 14 mars pour notre loto ?"),),
        title="Réservation de la salle des fêtes",
    ),
)

TOWN_HALL_CONTENT = WorkspaceContent(
    channels=TOWN_HALL_CHANNELS,
    pillars=TOWN_HALL_PILLARS,
    posts=TOWN_HALL_POSTS,
    conversations=TOWN_HALL_CONVERSATIONS,
    forbidden="gratuit pour tous\nimpossible",
    emoji_policy="none",
    emoji_max=0,
    labels=(("Voirie", "#ea580c"), ("Scolaire", "#2563eb")),
    saved_replies=(
        (
            "Horaires de la mairie",
            "Bonjour {{ first_name }}, la mairie vous accueille du lundi au vendredi de 8 h 30 à 12 h et le "
            "samedi de 9 h à 12 h. Le service {{ agent }} reste à votre écoute.",
            "fr",
            "/horaires",
        ),
    ),
)
