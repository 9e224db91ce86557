Configuration Example
{
    Import-DscResource -ModuleName Microsoft365DSC
    Node localhost
    {
        SCDLPComplianceRule 'PHI rule'
        {
            Name = "PHI rule"
            ContentContainsSensitiveInformation = MSFT_SCDLPContainsSensitiveInformation { SensitiveInformation = @(MSFT_SCDLPSensitiveInformation { name = 'SSN' $}; MSFT_SCDLPSensitiveInformation { name = 'ICD-10' }) }
        }
    }
}
