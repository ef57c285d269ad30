"""Contains all the data models used in inputs/outputs"""

from .batch_counts import BatchCounts
from .batch_in import BatchIn
from .batch_item import BatchItem
from .batch_item_modalities_type_0_item import BatchItemModalitiesType0Item
from .batch_item_status import BatchItemStatus
from .batch_out import BatchOut
from .batch_out_status import BatchOutStatus
from .batch_product import BatchProduct
from .callback import Callback
from .callback_attempt import CallbackAttempt
from .callback_host_list import CallbackHostList
from .callback_hosts import CallbackHosts
from .callback_secret import CallbackSecret
from .callback_secret_state import CallbackSecretState
from .callback_status import CallbackStatus
from .category import Category
from .category_count import CategoryCount
from .credentials import Credentials
from .error import Error
from .error_detail import ErrorDetail
from .evaluate_query import EvaluateQuery
from .evaluate_query_data import EvaluateQueryData
from .evaluation import Evaluation
from .event import Event
from .event_page import EventPage
from .feedback_out import FeedbackOut
from .feedback_out_status import FeedbackOutStatus
from .feedback_page import FeedbackPage
from .feedback_query import FeedbackQuery
from .feedback_query_status_type_0 import FeedbackQueryStatusType0
from .get_admin_evaluate_model_data import GetAdminEvaluateModelData
from .get_admin_feedback_status_type_0 import GetAdminFeedbackStatusType0
from .get_admin_logs_level_type_0 import GetAdminLogsLevelType0
from .health import Health
from .import_report import ImportReport
from .job import Job
from .job_params_type_0 import JobParamsType0
from .job_progress_type_0 import JobProgressType0
from .log_query import LogQuery
from .log_query_level_type_0 import LogQueryLevelType0
from .maintenance import Maintenance
from .maintenance_in import MaintenanceIn
from .monitoring import Monitoring
from .monitoring_query import MonitoringQuery
from .new_feedback import NewFeedback
from .new_user import NewUser
from .own_prediction import OwnPrediction
from .own_prediction_modalities_type_0_item import OwnPredictionModalitiesType0Item
from .own_prediction_status import OwnPredictionStatus
from .page_query import PageQuery
from .predict_in import PredictIn
from .predict_query import PredictQuery
from .prediction import Prediction
from .prediction_modalities_type_0_item import PredictionModalitiesType0Item
from .prediction_page import PredictionPage
from .prediction_status import PredictionStatus
from .product_counts import ProductCounts
from .product_form import ProductForm
from .product_page import ProductPage
from .product_query import ProductQuery
from .product_upload import ProductUpload
from .promote_in import PromoteIn
from .readiness import Readiness
from .readiness_checks import ReadinessChecks
from .readiness_checks_additional_property import ReadinessChecksAdditionalProperty
from .retrain_in import RetrainIn
from .retrain_in_data import RetrainInData
from .retrain_in_model_params import RetrainInModelParams
from .retrain_in_promote_type_0 import RetrainInPromoteType0
from .scored import Scored
from .stored_product import StoredProduct
from .timing import Timing
from .token import Token
from .token_role import TokenRole
from .user_list import UserList
from .user_out import UserOut
from .user_out_role import UserOutRole
from .verdict import Verdict
from .verdict_status import VerdictStatus
from .version_list import VersionList
from .version_list_items_item import VersionListItemsItem
from .version_out import VersionOut

__all__ = (
    "BatchCounts",
    "BatchIn",
    "BatchItem",
    "BatchItemModalitiesType0Item",
    "BatchItemStatus",
    "BatchOut",
    "BatchOutStatus",
    "BatchProduct",
    "Callback",
    "CallbackAttempt",
    "CallbackHostList",
    "CallbackHosts",
    "CallbackSecret",
    "CallbackSecretState",
    "CallbackStatus",
    "Category",
    "CategoryCount",
    "Credentials",
    "Error",
    "ErrorDetail",
    "EvaluateQuery",
    "EvaluateQueryData",
    "Evaluation",
    "Event",
    "EventPage",
    "FeedbackOut",
    "FeedbackOutStatus",
    "FeedbackPage",
    "FeedbackQuery",
    "FeedbackQueryStatusType0",
    "GetAdminEvaluateModelData",
    "GetAdminFeedbackStatusType0",
    "GetAdminLogsLevelType0",
    "Health",
    "ImportReport",
    "Job",
    "JobParamsType0",
    "JobProgressType0",
    "LogQuery",
    "LogQueryLevelType0",
    "Maintenance",
    "MaintenanceIn",
    "Monitoring",
    "MonitoringQuery",
    "NewFeedback",
    "NewUser",
    "OwnPrediction",
    "OwnPredictionModalitiesType0Item",
    "OwnPredictionStatus",
    "PageQuery",
    "PredictIn",
    "Prediction",
    "PredictionModalitiesType0Item",
    "PredictionPage",
    "PredictionStatus",
    "PredictQuery",
    "ProductCounts",
    "ProductForm",
    "ProductPage",
    "ProductQuery",
    "ProductUpload",
    "PromoteIn",
    "Readiness",
    "ReadinessChecks",
    "ReadinessChecksAdditionalProperty",
    "RetrainIn",
    "RetrainInData",
    "RetrainInModelParams",
    "RetrainInPromoteType0",
    "Scored",
    "StoredProduct",
    "Timing",
    "Token",
    "TokenRole",
    "UserList",
    "UserOut",
    "UserOutRole",
    "Verdict",
    "VerdictStatus",
    "VersionList",
    "VersionListItemsItem",
    "VersionOut",
)
