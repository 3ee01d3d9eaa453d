from django.contrib import admin

from municipalities.models import Municipality


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_kana", "is_central_city", "population", "area_km2"]
    search_fields = ["code", "name", "name_kana", "name_en"]
    ordering = ["sort_order", "code"]
