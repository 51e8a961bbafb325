"""Who may do what with vehicle records: Django's permissions on each model, which the Editor
role holds for every vehicle model (``roles.py``), plus the CSV import and export.

    VehicleRecordPolicy(VehicleModel).user_has_permission(user, "import")
"""

from newsroom.core.permissions import ModelPermissionPolicy


class VehicleRecordPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if action == "import":  # an import adds rows and changes existing ones
            return self.user_has_permission(user, "add") and self.user_has_permission(user, "change")
        if action == "export":  # whoever may see the records in the admin may take them away as CSV
            return self.user_has_any_permission(user, ("view", "change"))
        return super().user_has_permission(user, action)
